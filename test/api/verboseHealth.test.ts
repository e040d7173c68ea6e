import { describe, expect, it } from "vitest";
import { createMappingsApi } from "../../shared/api/router.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";
import { harnessPerTest } from "./apiHarness.js";
import { READER } from "./principals.js";

const start = harnessPerTest();

interface Check {
  name: string;
  status: "ok" | "fail" | "na";
  detail: string;
  fix?: string;
}

describe("GET /health?verbose=true", () => {
  it("adds the doctor's checks to the usual answer, which stays as it was without verbose", async () => {
    const harness = await start();
    await harness.call("POST", "/mappings", { body: { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned } });

    const plain = await harness.call("GET", "/health");
    const verbose = await harness.call("GET", "/health?verbose=true");

    expect(plain.status).toBe(200);
    expect(Object.keys(plain.body).sort()).toEqual(["checks", "deadLetterCount", "status"]);
    expect(verbose.status).toBe(200);
    expect(verbose.body).toMatchObject({
      status: "healthy",
      deadLetterCount: 0,
      checks: plain.body.checks.map((c: { name: string; ok: boolean }) => ({ name: c.name, ok: c.ok })),
    });
    expect(verbose.body.diagnosis.ok).toBe(true);
    const checks = verbose.body.diagnosis.checks as Check[];
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ["Table Storage", "ok"],
      ["Job queue", "na"],
      ["Dead-lettered jobs", "ok"],
      ["AdminService reachable", "ok"],
      ["AdminService sign-in", "na"],
      ["SMS_Collection readable", "ok"],
      ["SMS_R_System carries AADDeviceID", "ok"],
      [`Collection ${COLLECTIONS.devices}`, "ok"],
      ["Graph token", "na"],
      ["Graph app roles", "na"],
      [`Group ${GROUPS.assigned} ← ${COLLECTIONS.devices}`, "ok"],
    ]);
    for (const check of checks)
      expect(Object.keys(check).sort()).toEqual(check.status === "fail" ? ["detail", "fix", "name", "status"] : ["detail", "name", "status"]);
  });

  it("reports a failed check with its fix, and keeps the status code of the plain health check", async () => {
    const harness = await start();
    await harness.call("POST", "/mappings", { body: { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned } });
    harness.tenant.updateGroup(GROUPS.assigned, { groupTypes: ["DynamicMembership"], membershipRule: "(device.accountEnabled -eq true)" });

    const verbose = await harness.call("GET", "/health?verbose=true");

    expect(verbose.status).toBe(200);
    expect(verbose.body.diagnosis.ok).toBe(false);
    const group = (verbose.body.diagnosis.checks as Check[]).find((c) => c.name === `Group ${GROUPS.assigned} ← ${COLLECTIONS.devices}`);
    expect(group).toMatchObject({ status: "fail", detail: expect.stringContaining("dynamic membership"), fix: expect.stringContaining("Assigned") });
  });

  it("is open to readers (Mappings.Read), like the plain health check, and to nobody else", async () => {
    const harness = await start({ auth: { mode: "easyauth", platformAuthEnabled: true } });

    expect((await harness.call("GET", "/health?verbose=true", { headers: READER })).status).toBe(200);
    const anonymous = await harness.call("GET", "/health?verbose=true");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.diagnosis).toBeUndefined();
  });

  it("refuses a verbose value other than true or false", async () => {
    const harness = await start();

    const answer = await harness.call("GET", "/health?verbose=yes");

    expect(answer.status).toBe(400);
    expect(answer.headers["content-type"]).toContain("application/problem+json");
    expect(JSON.stringify(answer.body)).toContain("verbose");
  });

  it("refuses verbose where the deployment offers no deeper checks", async () => {
    const harness = await start();
    const { diagnose: _omitted, ...deps } = harness.deps;
    const api = createMappingsApi(deps);

    const answer = await api.handle({ method: "GET", path: "/health", query: new URLSearchParams("verbose=true"), headers: {} });

    expect(answer.status).toBe(400);
    expect((await api.handle({ method: "GET", path: "/health", query: new URLSearchParams(), headers: {} })).status).toBe(200);
  });

  it("shows each mapped collection's snapshot in pushed mode instead of reading the AdminService", async () => {
    const harness = await start({ pushed: true });
    await harness.call("POST", "/mappings", { body: { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned, memberType: "device" } });

    const verbose = await harness.call("GET", "/health?verbose=true");

    const checks = verbose.body.diagnosis.checks as Check[];
    expect(checks.find((c) => c.name === "AdminService")).toMatchObject({ status: "na", detail: expect.stringContaining("collector's host") });
    expect(checks.find((c) => c.name === `Snapshot of ${COLLECTIONS.devices}`)).toMatchObject({
      status: "fail",
      detail: "none yet: no collector has uploaded this collection",
      fix: expect.stringContaining("collection-sync collect"),
    });
    expect(checks.some((c) => c.name.startsWith("AdminService reachable"))).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { PROBLEM_BASE } from "../../shared/api/problems.js";
import { harnessPerTest, responseText, type ApiHarness } from "./apiHarness.js";
import { apiSeed, COLLECTIONS, DEVICES, GROUPS } from "./apiSeed.js";
import { READER, WRITER } from "./principals.js";

/** The pilot collection plus two members that cannot be synced: one without an Entra id, one hybrid-joined. */
function seedWithSkips() {
  const seed = apiSeed();
  const tenant = seed.tenants[0]!;
  tenant.devices?.push({
    id: "d0000000-0000-4000-8000-000000000003",
    deviceId: "e0000000-0000-4000-8000-000000000003",
    displayName: "PC-HYBRID",
    trustType: "ServerAd",
  });
  seed.configMgr?.systems?.push(
    { ResourceId: 16777301, Name: 'PC-NOID, "lab"', AADDeviceID: null, AADTenantID: null },
    { ResourceId: 16777302, Name: "PC-HYBRID", AADDeviceID: "e0000000-0000-4000-8000-000000000003", AADTenantID: seed.tenants[0]!.tenantId },
  );
  seed.configMgr?.collections?.[0]?.members?.push(16777301, 16777302);
  return seed;
}

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true }, seed: seedWithSkips() });
const pilot = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };
const pilotPath = `/mappings/${pilot.collectionId}/${pilot.groupId}`;

async function syncedPilot(): Promise<{ h: ApiHarness; runId: string }> {
  const h = await start();
  expect((await h.call("POST", "/mappings", { headers: WRITER, body: pilot })).status).toBe(201);
  const run = await h.deps.sync({ ...pilot, trigger: "manual" });
  expect(run.status).toBe("succeeded");
  return { h, runId: run.runId };
}

describe("per-member run report", () => {
  it("shows one run with how many members of each outcome its report lists", async () => {
    const { h, runId } = await syncedPilot();
    const answer = await h.call("GET", `${pilotPath}/runs/${runId}`, { headers: READER });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      runId,
      status: "succeeded",
      counts: { added: 2 },
      report: { counts: { added: 2, removed: 0, skipped: 2, failed: 0 }, truncated: 0 },
    });
  });

  it("lists every added and skipped member with name, ResourceID, Entra ids and the reason", async () => {
    const { h, runId } = await syncedPilot();
    const skipped = await h.call("GET", `${pilotPath}/runs/${runId}/members?outcome=skipped`, { headers: READER });
    expect(skipped.body.total).toBe(2);
    expect(skipped.body.items).toEqual(
      expect.arrayContaining([
        {
          outcome: "skipped",
          outcomeLabel: "Skipped",
          reason: "no-entra-id",
          reasonLabel: "No Entra ID in ConfigMgr",
          resourceId: 16777301,
          name: 'PC-NOID, "lab"',
          entraId: null,
          objectId: null,
          error: null,
        },
        {
          outcome: "skipped",
          outcomeLabel: "Skipped",
          reason: "hybrid-joined",
          reasonLabel: "Hybrid joined (not included)",
          resourceId: 16777302,
          name: "PC-HYBRID",
          entraId: "e0000000-0000-4000-8000-000000000003",
          objectId: "d0000000-0000-4000-8000-000000000003",
          error: null,
        },
      ]),
    );
    const added = await h.call("GET", `${pilotPath}/runs/${runId}/members?outcome=added&pageSize=1&page=2`, { headers: READER });
    expect(added.body).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(added.body.items).toHaveLength(1);
    expect(DEVICES.map((d) => d.name)).toContain(added.body.items[0].name);
    const searched = await h.call("GET", `${pilotPath}/runs/${runId}/members?search=pc-001`, { headers: READER });
    expect(searched.body.items.map((m: { name: string }) => m.name)).toEqual(["PC-001"]);
  });

  it("downloads the report as an RFC 4180 CSV attachment, one row per member", async () => {
    const { h, runId } = await syncedPilot();
    const response = await h.api.handle({
      method: "GET",
      path: `${pilotPath}/runs/${runId}/members`,
      query: new URLSearchParams({ format: "csv", outcome: "skipped" }),
      headers: READER,
    });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/csv/);
    expect(response.headers["content-disposition"]).toMatch(/^attachment; filename=".*skipped\.csv"$/);
    const lines = (await responseText(response)).split("\r\n");
    expect(lines[0]).toBe("\uFEFFoutcome,reason,resourceId,name,entraId,objectId,error,outcomeLabel,reasonLabel");
    expect(lines).toContain('skipped,no-entra-id,16777301,"PC-NOID, ""lab""",,,,Skipped,No Entra ID in ConfigMgr');
    expect(lines.filter((line) => line !== "")).toHaveLength(3);
  });

  it("answers 404 for a run that is not in the history and 400 for a malformed run id", async () => {
    const { h } = await syncedPilot();
    const missing = await h.call("GET", `${pilotPath}/runs/00000000-0000-4000-8000-000000000000`, { headers: READER });
    expect(missing.status).toBe(404);
    const bad = await h.call("GET", `${pilotPath}/runs/${encodeURIComponent("a'b")}/members`, { headers: READER });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe(`${PROBLEM_BASE}validation`);
    const badOutcome = await h.call("GET", `${pilotPath}/runs/x/members?outcome=eaten`, { headers: READER });
    expect(badOutcome.status).toBe(400);
  });

  it("names the members a preview would add and skip, before anything is written", async () => {
    const h = await start();
    await h.call("POST", "/mappings", { headers: WRITER, body: pilot });
    const answer = await h.call("GET", `${pilotPath}/preview`, { headers: READER });
    const outcomes = answer.body.preview.members.map((m: { outcome: string; name: string }) => `${m.outcome}:${m.name}`);
    expect(outcomes.sort()).toEqual(["added:PC-001", "added:PC-002", "skipped:PC-HYBRID", 'skipped:PC-NOID, "lab"']);
    expect(h.tenant.groupMemberIds(GROUPS.assigned)).toEqual([]);
  });
});

describe("who am I", () => {
  it("tells a reader it may not write and a writer that it may", async () => {
    const h = await start();
    expect((await h.call("GET", "/me", { headers: READER })).body).toEqual({ name: "reader@contoso.com", roles: ["Mappings.Read"], canWrite: false });
    expect((await h.call("GET", "/me", { headers: WRITER })).body).toMatchObject({ name: "writer@contoso.com", canWrite: true });
    expect((await h.call("GET", "/me")).status).toBe(401);
  });
});

describe("previewing a mapping before it exists", () => {
  it("runs the creation checks, then shows what the first sync would do, storing nothing", async () => {
    const h = await start();
    const answer = await h.call("POST", "/mappings/preview", { headers: READER, body: { ...pilot, mode: "mirror" } });
    expect(answer.status).toBe(200);
    expect(answer.body.preview).toMatchObject({ toAddCount: 2, skippedCount: 2 });
    expect(await h.storedMappings()).toEqual([]);
    expect(h.tenant.groupMemberIds(GROUPS.assigned)).toEqual([]);
  });

  it("refuses a group a mapping could not target, as creating it would", async () => {
    const h = await start();
    const answer = await h.call("POST", "/mappings/preview", { headers: READER, body: { ...pilot, groupId: GROUPS.dynamic } });
    expect(answer.status).toBe(422);
    expect(answer.body.type).toBe(`${PROBLEM_BASE}dynamic-membership`);
  });
});

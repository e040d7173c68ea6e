import { describe, expect, it } from "vitest";
import { PROBLEM_BASE } from "../../shared/api/problems.js";
import { harnessPerTest, type ApiHarness } from "./apiHarness.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";

const start = harnessPerTest();

const valid = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };
const INJECTION = "x' or 1 eq 1";

/** Sends a request that must be refused, and proves nothing reached the table or Graph. */
async function refused(h: ApiHarness, method: string, path: string, body?: unknown) {
  const before = await h.storedMappings();
  const graphBefore = h.tenant.requestLog.filter((entry) => entry.service === "graph").length;
  const answer = await h.call(method, path, body === undefined ? {} : { body });
  expect(answer.headers["content-type"]).toBe("application/problem+json");
  expect(await h.storedMappings()).toEqual(before);
  expect(h.tenant.requestLog.filter((entry) => entry.service === "graph").length).toBe(graphBefore);
  return answer;
}

describe("the API refuses bad input before it touches storage or Graph", () => {
  it("refuses OData-injection strings as ids in the body, naming each bad field", async () => {
    const h = await start();
    const answer = await refused(h, "POST", "/mappings", { collectionId: INJECTION, groupId: `${GROUPS.assigned}' or true` });
    expect(answer.status).toBe(400);
    expect(answer.body.type).toBe(`${PROBLEM_BASE}validation`);
    expect(answer.body.errors.map((e: { name: string }) => e.name).sort()).toEqual(["collectionId", "groupId"]);
    expect(answer.body.errors[0].in).toBe("body");
  });

  it("refuses injection strings and path tricks in the URL", async () => {
    const h = await start();
    await h.call("POST", "/mappings", { body: valid });
    for (const path of [
      `/mappings/${encodeURIComponent(INJECTION)}/${GROUPS.assigned}`,
      `/mappings/${COLLECTIONS.devices}/${encodeURIComponent(INJECTION)}`,
      `/mappings/${COLLECTIONS.devices}/${encodeURIComponent(`${GROUPS.assigned}/../x`)}`,
      `/mappings/${COLLECTIONS.devices}%23/${GROUPS.assigned}`,
      `/mappings/${COLLECTIONS.devices}/%E0%A4%A`,
    ]) {
      for (const method of ["GET", "DELETE"]) {
        const answer = await refused(h, method, path);
        expect(answer.status, `${method} ${path}`).toBe(400);
        expect(answer.body.type).toBe(`${PROBLEM_BASE}validation`);
      }
    }
    const list = await refused(h, "GET", `/mappings?collectionId=${encodeURIComponent(INJECTION)}`);
    expect(list.status).toBe(400);
    expect(list.body.errors).toEqual([{ in: "query", name: "collectionId", message: expect.any(String) }]);
  });

  it("refuses a forged continuation token and out-of-range page sizes", async () => {
    const h = await start();
    for (const query of ["pageSize=0", "pageSize=201", "pageSize=ten", "pageSize=1.5", `continuationToken=${encodeURIComponent(INJECTION)}`]) {
      const answer = await refused(h, "GET", `/mappings?${query}`);
      expect(answer.status, query).toBe(400);
    }
    const forged = Buffer.from(JSON.stringify({ list: "mappings", sdk: "bm90IGEgdG9rZW4=" })).toString("base64url");
    expect((await refused(h, "GET", `/mappings?continuationToken=${forged}`)).status).toBe(400);
  });

  it("refuses a 100 KiB body with 413 payload-too-large", async () => {
    const h = await start();
    const answer = await refused(h, "POST", "/mappings", JSON.stringify({ ...valid, padding: "x".repeat(100 * 1024) }));
    expect(answer.status).toBe(413);
    expect(answer.body.type).toBe(`${PROBLEM_BASE}payload-too-large`);
  });

  it("refuses unknown fields, including server-owned ones", async () => {
    const h = await start();
    const answer = await refused(h, "POST", "/mappings", { ...valid, createdBy: "someone-else", mdoe: "mirror" });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ in: "body", name: "", message: expect.stringMatching(/createdBy.*mdoe|mdoe.*createdBy/) }]);
    await h.call("POST", "/mappings", { body: valid });
    const patch = await refused(h, "PATCH", `/mappings/${valid.collectionId}/${valid.groupId}`, { groupId: GROUPS.assigned2 });
    expect(patch.status).toBe(400);
  });

  it("refuses wrong types and values, one error per field", async () => {
    const h = await start();
    const answer = await refused(h, "POST", "/mappings", {
      ...valid,
      mode: "sometimes",
      enabled: "yes",
      removalThresholdPercent: 150,
      removalThresholdCount: -1,
      tenantId: 42,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e: { name: string }) => e.name).sort()).toEqual([
      "enabled",
      "mode",
      "removalThresholdCount",
      "removalThresholdPercent",
      "tenantId",
    ]);
  });

  it("refuses a body that is not JSON, not an object, or not sent as JSON", async () => {
    const h = await start();
    const broken = await refused(h, "POST", "/mappings", '{"collectionId": "PS100010",');
    expect(broken.status).toBe(400);
    expect(broken.body.type).toBe(`${PROBLEM_BASE}invalid-json`);
    expect((await refused(h, "POST", "/mappings", "[1,2]")).body.type).toBe(`${PROBLEM_BASE}validation`);
    expect((await refused(h, "POST", "/mappings", "")).status).toBe(400);
    const form = await h.api.handle({
      method: "POST",
      path: "/mappings",
      query: new URLSearchParams(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "collectionId=PS100010",
    });
    expect(form.status).toBe(415);
    expect(await h.storedMappings()).toEqual([]);
  });

  it("refuses an empty PATCH", async () => {
    const h = await start();
    await h.call("POST", "/mappings", { body: valid });
    const answer = await refused(h, "PATCH", `/mappings/${valid.collectionId}/${valid.groupId}`, {});
    expect(answer.status).toBe(400);
  });

  it("answers unknown routes with 404 and wrong methods with 405 and Allow", async () => {
    const h = await start();
    expect((await h.call("GET", "/nothing-here")).status).toBe(404);
    const wrong = await h.call("PUT", "/mappings");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe("GET, POST");
    expect(wrong.body.type).toBe(`${PROBLEM_BASE}method-not-allowed`);
  });
});

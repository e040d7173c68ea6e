import { describe, expect, it } from "vitest";
import { PROBLEM_BASE } from "../../shared/api/problems.js";
import { mappingKeyOf } from "../../shared/core/ids.js";
import { harnessPerTest, type ApiHarness } from "./apiHarness.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";

/**
 * Cross-site request forgery: every route that changes something, enumerated from the router itself (a route
 * added later is covered without touching this file), refuses a browser request from another site.
 */
const start = harnessPerTest();
const HOST = "127.0.0.1:7071";
const pilot = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };
const SAMPLE_PARAMS: Readonly<Record<string, string>> = { collectionId: pilot.collectionId, groupId: pilot.groupId };

function pathOf(pattern: string): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => SAMPLE_PARAMS[name] ?? "sample");
}

function writeRoutes(harness: ApiHarness): { method: string; path: string }[] {
  return harness.api.routes
    .filter((route) => route.method !== "GET" && route.method !== "HEAD")
    .map((route) => ({ method: route.method, path: pathOf(route.pattern) }));
}

/** What a browser sends with a simple POST from a page on another site (no preflight needed). */
const FOREIGN_BROWSERS: Record<string, Record<string, string>> = {
  "a page on another site (Origin)": { origin: "http://attacker.example", host: HOST },
  "another site by fetch metadata": { "sec-fetch-site": "cross-site", host: HOST },
  "a sibling site by fetch metadata": { "sec-fetch-site": "same-site", host: HOST },
  "a sandboxed frame (Origin: null)": { origin: "null", host: HOST },
  "a rebinding page whose Origin names its own host": { origin: "http://attacker.example:7071", "sec-fetch-site": "same-origin", host: HOST },
};

async function snapshot(harness: ApiHarness): Promise<unknown> {
  const mapping = await harness.stores.mappings.get(pilot);
  return { mapping, state: await harness.stores.state.get(mappingKeyOf(pilot)), queued: harness.queue.sent.length, stored: await harness.storedMappings() };
}

describe("state-changing requests from other sites", () => {
  it("knows the write routes (POST /mappings, PATCH and DELETE a mapping, sync, approve at least)", async () => {
    const routes = writeRoutes(await start()).map((route) => `${route.method} ${route.path}`);
    const mapping = `/mappings/${pilot.collectionId}/${pilot.groupId}`;
    expect(routes).toEqual(
      expect.arrayContaining(["POST /mappings", `PATCH ${mapping}`, `DELETE ${mapping}`, `POST ${mapping}/sync`, `POST ${mapping}/approve`]),
    );
  });

  for (const [who, headers] of Object.entries(FOREIGN_BROWSERS)) {
    it(`refuses every write route from ${who} with 403 and changes nothing`, async () => {
      const harness = await start();
      expect((await harness.call("POST", "/mappings", { body: pilot })).status).toBe(201);
      const before = await snapshot(harness);
      for (const route of writeRoutes(harness)) {
        const body = route.method === "DELETE" ? undefined : route.path === "/mappings" ? { ...pilot, groupId: GROUPS.assigned2 } : { enabled: false };
        const answer = await harness.call(route.method, route.path, { headers, ...(body === undefined ? {} : { body }) });
        expect(answer.status, `${route.method} ${route.path}`).toBe(403);
        expect(answer.body.type).toBe(`${PROBLEM_BASE}cross-site-request`);
      }
      expect(await snapshot(harness)).toEqual(before);
    });
  }

  it("lets the app's own pages write (Origin = the host it was sent to, Sec-Fetch-Site same-origin)", async () => {
    const harness = await start();
    const own = { origin: `http://${HOST}`, "sec-fetch-site": "same-origin", host: HOST };
    expect((await harness.call("POST", "/mappings", { headers: own, body: pilot })).status).toBe(201);
    const path = `/mappings/${pilot.collectionId}/${pilot.groupId}`;
    expect((await harness.call("PATCH", path, { headers: own, body: { mode: "managed" } })).status).toBe(200);
    expect((await harness.call("POST", `${path}/sync`, { headers: own })).status).toBe(202);
    expect((await harness.call("PATCH", path, { headers: { ...own, origin: `HTTP://${HOST.toUpperCase()}` }, body: { enabled: false } })).status).toBe(200);
    expect(
      (await harness.call("DELETE", path, { headers: { ...own, "x-forwarded-host": "csync.contoso.com", origin: "https://csync.contoso.com" } })).status,
    ).toBe(204);
  });

  it("lets clients that are not browsers write: no Origin, no Sec-Fetch-Site (curl, the CLI, the collector)", async () => {
    const harness = await start();
    expect((await harness.call("POST", "/mappings", { headers: { host: HOST }, body: pilot })).status).toBe(201);
    expect((await harness.call("POST", `/mappings/${pilot.collectionId}/${pilot.groupId}/sync`)).status).toBe(202);
  });

  it("lets another site read (reads change nothing; the browser hides the answer from it without CORS)", async () => {
    const harness = await start();
    expect(
      (await harness.call("GET", "/mappings", { headers: { origin: "http://attacker.example", "sec-fetch-site": "cross-site", host: HOST } })).status,
    ).toBe(200);
  });
});

import { describe, expect, it, vi } from "vitest";
import { PROBLEM_BASE } from "../../shared/api/problems.js";
import { harnessPerTest } from "./apiHarness.js";
import { mappingKeyOf } from "../../shared/core/ids.js";
import { initialState } from "../../shared/core/ports/mappingState.js";
import { COLLECTIONS, DEVICES, GROUPS } from "./apiSeed.js";
import { finishedRun } from "./runFixture.js";
import { WRITER } from "./principals.js";

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true } });

const pilot = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };
const pilotPath = `/mappings/${pilot.collectionId}/${pilot.groupId}`;

describe("mappings API: create, read, change, delete", () => {
  it("creates a mapping with the collection's and group's names, who created it, Location and ETag", async () => {
    const h = await start();
    const created = await h.call("POST", "/mappings", { headers: WRITER, body: { ...pilot, mode: "managed" } });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/api${pilotPath}`);
    expect(created.headers.etag).toBeTruthy();
    expect(created.body).toMatchObject({
      ...pilot,
      mode: "managed",
      enabled: true,
      includeHybridJoined: false,
      tenantId: null,
      collectionName: "All Pilot Workstations",
      groupName: "Intune Pilot Devices",
      memberType: "device",
      createdBy: "writer@contoso.com",
      updatedBy: "writer@contoso.com",
      state: { health: "healthy", blocked: null, lastRunStatus: null, syncing: false },
    });
    const read = await h.call("GET", pilotPath, { headers: WRITER });
    expect(read.status).toBe(200);
    expect(read.body.etag).toBe(created.headers.etag);
    expect(read.body.mode).toBe("managed");
  });

  it("accepts ids in any letter case and stores them in canonical form", async () => {
    const h = await start();
    const created = await h.call("POST", "/mappings", {
      headers: WRITER,
      body: { collectionId: pilot.collectionId.toLowerCase(), groupId: pilot.groupId.toUpperCase() },
    });
    expect(created.status).toBe(201);
    expect(await h.storedMappings()).toEqual([`${pilot.collectionId}/${pilot.groupId}`]);
    expect((await h.call("GET", `/mappings/${pilot.collectionId.toLowerCase()}/${pilot.groupId.toUpperCase()}`, { headers: WRITER })).status).toBe(200);
  });

  it("refuses the same collection and group twice with 409 conflict", async () => {
    const h = await start();
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: pilot })).status).toBe(201);
    const again = await h.call("POST", "/mappings", { headers: WRITER, body: { ...pilot, mode: "mirror" } });
    expect(again.status).toBe(409);
    expect(again.headers["content-type"]).toBe("application/problem+json");
    expect(again.body).toMatchObject({ type: `${PROBLEM_BASE}conflict`, status: 409, instance: "/api/mappings" });
    expect((await h.call("GET", pilotPath, { headers: WRITER })).body.mode).toBe("additive");
  });

  it("lists mappings page by page with a continuation token, and filters by collection", async () => {
    const h = await start();
    const groups = [GROUPS.assigned, GROUPS.assigned2];
    for (const groupId of groups) {
      expect((await h.call("POST", "/mappings", { headers: WRITER, body: { collectionId: COLLECTIONS.devices, groupId } })).status).toBe(201);
    }
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: { collectionId: COLLECTIONS.users, groupId: GROUPS.assigned } })).status).toBe(201);

    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query: string = token === null ? "?pageSize=2" : `?pageSize=2&continuationToken=${encodeURIComponent(token)}`;
      const page = await h.call("GET", `/mappings${query}`, { headers: WRITER });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      for (const item of page.body.items) {
        expect(item.state.health).toBe("healthy");
        seen.push(`${item.collectionId}/${item.groupId}`);
      }
      token = page.body.continuationToken;
      pages += 1;
    } while (token !== null);
    expect(pages).toBe(2);
    expect(seen.sort()).toEqual((await h.storedMappings()).sort());
    expect(seen).toHaveLength(3);

    const filtered = await h.call("GET", `/mappings?collectionId=${COLLECTIONS.users}`, { headers: WRITER });
    expect(filtered.body.items.map((m: { groupId: string }) => m.groupId)).toEqual([GROUPS.assigned]);
  });

  it("changes mode and thresholds, records who did it, and logs a mode change with the caller", async () => {
    const h = await start();
    await h.call("POST", "/mappings", { headers: WRITER, body: pilot });
    const patched = await h.call("PATCH", pilotPath, {
      headers: WRITER,
      body: { mode: "mirror", removalThresholdPercent: 5, removalThresholdCount: 50, enabled: false },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ mode: "mirror", enabled: false, removalThresholdPercent: 5, removalThresholdCount: 50 });
    expect(patched.body.updatedBy).toBe("writer@contoso.com");
    const modeChange = h.logs.find((entry) => entry.message === "mapping mode changed");
    expect(modeChange?.properties).toMatchObject({ from: "additive", to: "mirror", by: "writer@contoso.com" });

    const reset = await h.call("PATCH", pilotPath, { headers: WRITER, body: { removalThresholdPercent: null } });
    expect(reset.body.removalThresholdPercent).toBeNull();
    expect(reset.body.removalThresholdCount).toBe(50);
  });

  it("deletes a mapping with its state, ledger and history, and then answers 404", async () => {
    const h = await start();
    await h.call("POST", "/mappings", { headers: WRITER, body: pilot });
    const key = mappingKeyOf(pilot);
    await h.stores.runs.record(finishedRun(pilot, Date.now(), "run-1"));
    await h.stores.ledger.add(key, [DEVICES[0]?.id ?? ""]);
    await h.stores.state.save({ ...initialState(key), lastRunStatus: "succeeded" });

    const deleted = await h.call("DELETE", pilotPath, { headers: WRITER });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect(await h.storedMappings()).toEqual([]);
    expect((await h.stores.runs.list(key)).items).toEqual([]);
    expect(await h.stores.ledger.list(key)).toEqual(new Set());
    expect((await h.stores.state.get(key)).etag).toBeNull();
    const gone = await h.call("GET", pilotPath, { headers: WRITER });
    expect(gone.status).toBe(404);
    expect(gone.body.type).toBe(`${PROBLEM_BASE}not-found`);
    expect((await h.call("DELETE", pilotPath, { headers: WRITER })).status).toBe(404);
  });

  it("re-creating a deleted mapping whose clean-up failed starts clean: no old ledger, block, quarantine or history", async () => {
    const h = await start();
    await h.call("POST", "/mappings", { headers: WRITER, body: { ...pilot, mode: "managed" } });
    const key = mappingKeyOf(pilot);
    await h.stores.runs.record(finishedRun(pilot, Date.now(), "run-1"));
    await h.stores.ledger.add(key, [DEVICES[0]?.id ?? ""]);
    const blocked = {
      guard: "removal-threshold",
      message: "Would remove 600 members",
      fingerprint: "f1",
      removeCount: 600,
      at: new Date().toISOString(),
    } as const;
    await h.stores.state.save({ ...initialState(key), health: "quarantined", consecutiveFailures: 10, blocked });
    // Table Storage fails every clean-up write of this delete: the mapping goes, its records stay behind.
    const outage = () => Promise.reject(new Error("Table Storage unavailable"));
    const cleanups = [
      vi.spyOn(h.stores.state, "delete").mockImplementationOnce(outage),
      vi.spyOn(h.stores.ledger, "deleteAll").mockImplementationOnce(outage),
      vi.spyOn(h.stores.runs, "deleteAll").mockImplementationOnce(outage),
    ];
    expect((await h.call("DELETE", pilotPath, { headers: WRITER })).status).toBe(204);
    expect(cleanups.every((spy) => spy.mock.calls.length === 1)).toBe(true);
    expect(h.logs.some((entry) => entry.level === "error" && entry.message === "mapping deleted but some of its records remain")).toBe(true);
    expect(await h.stores.ledger.list(key)).toEqual(new Set([DEVICES[0]?.id]));

    const again = await h.call("POST", "/mappings", { headers: WRITER, body: { ...pilot, mode: "managed" } });

    expect(again.status).toBe(201);
    expect(await h.stores.ledger.list(key)).toEqual(new Set());
    const state = await h.stores.state.get(key);
    expect(state).toMatchObject({ health: "healthy", consecutiveFailures: 0, blocked: null, etag: null });
    expect((await h.stores.runs.list(key)).items).toEqual([]);
    const shown = await h.call("GET", pilotPath, { headers: WRITER });
    expect(shown.body.state).toMatchObject({ health: "healthy", blocked: null, consecutiveFailures: 0, lastRunStatus: null });
  });

  it("refuses a PATCH with a stale If-Match with 412 and keeps the newer change", async () => {
    const h = await start();
    const created = await h.call("POST", "/mappings", { headers: WRITER, body: pilot });
    const staleEtag = created.headers.etag as string;
    const first = await h.call("PATCH", pilotPath, { headers: { ...WRITER, "if-match": staleEtag }, body: { mode: "managed" } });
    expect(first.status).toBe(200);
    expect(first.headers.etag).not.toBe(staleEtag);

    const second = await h.call("PATCH", pilotPath, { headers: { ...WRITER, "if-match": staleEtag }, body: { mode: "mirror" } });
    expect(second.status).toBe(412);
    expect(second.body.type).toBe(`${PROBLEM_BASE}precondition-failed`);
    expect((await h.call("GET", pilotPath, { headers: WRITER })).body.mode).toBe("managed");
  });

  it("refuses a DELETE with a stale If-Match with 412 and keeps the mapping; the current ETag deletes it", async () => {
    const h = await start();
    const created = await h.call("POST", "/mappings", { headers: WRITER, body: pilot });
    const changed = await h.call("PATCH", pilotPath, { headers: WRITER, body: { enabled: false } });
    const stale = await h.call("DELETE", pilotPath, { headers: { ...WRITER, "if-match": created.headers.etag as string } });
    expect(stale.status).toBe(412);
    expect(await h.storedMappings()).toHaveLength(1);
    const current = await h.call("DELETE", pilotPath, { headers: { ...WRITER, "if-match": changed.headers.etag as string } });
    expect(current.status).toBe(204);
    expect(await h.storedMappings()).toEqual([]);
  });
});

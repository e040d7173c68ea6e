import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { mappingKeyOf } from "../../shared/core/ids.js";
import type { Mapping } from "../../shared/core/mapping.js";
import type { MappingState } from "../../shared/core/ports/mappingState.js";
import { newMapping } from "../support/newMapping.js";
import { harnessPerTest, type ApiHarness } from "./apiHarness.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";
import { READER, WRITER } from "./principals.js";

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true } });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/** Mappings stored directly (as another instance or an earlier version of the app would have), with states. */
async function fleet(
  h: ApiHarness,
  rows: { name: string; group?: string; enabled?: boolean; mode?: Mapping["mode"]; state?: Partial<MappingState> }[],
): Promise<Mapping[]> {
  const stored: Mapping[] = [];
  for (const row of rows) {
    const mapping = await h.stores.mappings.create(
      newMapping({ collectionName: row.name, groupName: row.group ?? `${row.name} group`, enabled: row.enabled ?? true, mode: row.mode ?? "additive" }),
    );
    if (row.state !== undefined) await h.stores.state.save({ ...(await h.stores.state.get(mappingKeyOf(mapping))), ...row.state });
    stored.push(mapping);
  }
  return stored;
}

const ran = (minutes: number): Partial<MappingState> => ({ lastRunAt: minutesAgo(minutes), lastRunStatus: "succeeded", lastSuccessAt: minutesAgo(minutes) });
const blocked = { guard: "removal-threshold" as const, message: "would remove 40", fingerprint: "f", removeCount: 40, at: minutesAgo(1), runId: "r-1" };

describe("mapping list at fleet scale", () => {
  it("searches every mapping, not one page, and counts the matches", async () => {
    const h = await start();
    await fleet(h, [
      ...Array.from({ length: 30 }, (_, i) => ({ name: `Kiosk wave ${String(i).padStart(2, "0")}`, state: ran(1) })),
      ...Array.from({ length: 12 }, (_, i) => ({ name: `Finance laptops ${i}`, state: ran(1) })),
    ]);
    const first = await h.call("GET", "/mappings?search=KIOSK&pageSize=20", { headers: READER });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 30, page: 1, pageSize: 20 });
    expect(first.body.items).toHaveLength(20);
    expect(first.body.items[0].collectionName).toBe("Kiosk wave 00");
    const second = await h.call("GET", "/mappings?search=KIOSK&pageSize=20&page=2", { headers: READER });
    expect(second.body.items.map((m: Mapping) => m.collectionName)).toEqual(Array.from({ length: 10 }, (_, i) => `Kiosk wave ${20 + i}`));
    expect(second.body.continuationToken).toBeNull();
    // Scripts can follow tokens instead of page numbers.
    const followed = await h.call("GET", `/mappings?search=kiosk&pageSize=20&continuationToken=${first.body.continuationToken}`, { headers: READER });
    expect(followed.body.items).toEqual(second.body.items);
    const byGroupId = await h.call("GET", `/mappings?search=${first.body.items[3].groupId.slice(0, 13)}`, { headers: READER });
    expect(byGroupId.body.total).toBe(1);
  });

  it("tells never-run, disabled, blocked, failing, degraded, quarantined, stale and healthy apart, and filters on them", async () => {
    const h = await start();
    await fleet(h, [
      { name: "A never run" },
      { name: "B disabled", enabled: false, state: ran(1) },
      { name: "C blocked", state: { ...ran(1), lastRunStatus: "blocked", blocked } },
      { name: "D failing", state: { ...ran(1), lastRunStatus: "failed", consecutiveFailures: 1 } },
      { name: "E degraded", state: { ...ran(1), lastRunStatus: "failed", consecutiveFailures: 3, health: "degraded" } },
      { name: "F quarantined", state: { ...ran(1), lastRunStatus: "failed", consecutiveFailures: 10, health: "quarantined" } },
      { name: "G stale", state: ran(120) },
      { name: "H healthy", state: ran(1) },
    ]);
    const all = await h.call("GET", "/mappings", { headers: READER });
    const statusOf = Object.fromEntries(all.body.items.map((m: Mapping & { state: { status: string } }) => [m.collectionName, m.state.status]));
    expect(statusOf).toEqual({
      "A never run": "never-run",
      "B disabled": "disabled",
      "C blocked": "blocked",
      "D failing": "failing",
      "E degraded": "degraded",
      "F quarantined": "quarantined",
      "G stale": "stale",
      "H healthy": "healthy",
    });
    expect(all.body.items.find((m: Mapping) => m.collectionName === "C blocked").state).toMatchObject({
      statusLabel: "Blocked: needs approval",
      blocked: { guardLabel: "Too many removals at once", runId: "r-1" },
    });
    expect(all.body.statusCounts).toMatchObject({ all: 8, "needs-attention": 5, healthy: 1, "never-run": 1, disabled: 1 });

    const attention = await h.call("GET", "/mappings?status=needs-attention&sort=status", { headers: READER });
    expect(attention.body.total).toBe(5);
    expect(attention.body.items.map((m: Mapping) => m.collectionName)).toEqual(["F quarantined", "C blocked", "E degraded", "D failing", "G stale"]);
    const two = await h.call("GET", "/mappings?status=disabled,never-run", { headers: READER });
    expect(two.body.items.map((m: Mapping) => m.collectionName)).toEqual(["A never run", "B disabled"]);
    const bad = await h.call("GET", "/mappings?status=sleepy&sort=colour", { headers: READER });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ in: "query", name: "status" });
  });

  it("sorts by last run, newest first, with mappings that never ran last", async () => {
    const h = await start();
    await fleet(h, [{ name: "old", state: ran(20) }, { name: "never" }, { name: "new", state: ran(2) }, { name: "middle", state: ran(10) }]);
    const answer = await h.call("GET", "/mappings?sort=lastRun&order=desc", { headers: READER });
    expect(answer.body.items.map((m: Mapping) => m.collectionName)).toEqual(["new", "middle", "old", "never"]);
  });

  it("shows the last run beside the last run that changed something, and the group's and collection's sizes", async () => {
    const h = await start();
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned } })).status).toBe(201);
    const first = await h.deps.sync({ collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned, trigger: "manual" });
    const second = await h.deps.sync({ collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned, trigger: "schedule" });
    expect(second.status).toBe("skipped-unchanged");
    await sleep(1100);
    const answer = await h.call("GET", "/mappings", { headers: READER });
    expect(answer.body.items[0].state).toMatchObject({
      status: "healthy",
      lastRun: { runId: second.runId, status: "skipped-unchanged", statusLabel: "Unchanged" },
      lastChange: { runId: first.runId, status: "succeeded", added: 2 },
      groupSize: 2,
      collectionSize: 2,
    });
  });

  it("answers 304 while nothing changed, and sees a change another instance made", async () => {
    const h = await start();
    const [mapping] = await fleet(h, [{ name: "Watched", state: ran(1) }]);
    const first = await h.call("GET", "/mappings", { headers: READER });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"/);
    const again = await h.call("GET", "/mappings", { headers: { ...READER, "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();

    // Another instance's worker finishes a run: written to the table, not through this process.
    await h.stores.state.save({ ...(await h.stores.state.get(mappingKeyOf(mapping as Mapping))), lastRunStatus: "failed", consecutiveFailures: 1 });
    await sleep(1100);
    const changed = await h.call("GET", "/mappings", { headers: { ...READER, "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.body.items[0].state.status).toBe("failing");
    expect(changed.headers.etag).not.toBe(etag);
  });

  it("answers 304 for an unchanged mapping, and takes its view ETag as If-Match for a change", async () => {
    const h = await start();
    const path = `/mappings/${COLLECTIONS.devices}/${GROUPS.assigned}`;
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned } })).status).toBe(201);
    const read = await h.call("GET", path, { headers: READER });
    const etag = read.headers.etag as string;
    expect((await h.call("GET", path, { headers: { ...READER, "if-none-match": etag } })).status).toBe(304);
    const changed = await h.call("PATCH", path, { headers: { ...WRITER, "if-match": etag }, body: { mode: "managed" } });
    expect(changed.status).toBe(200);
    const stale = await h.call("PATCH", path, { headers: { ...WRITER, "if-match": etag }, body: { mode: "mirror" } });
    expect(stale.status).toBe(412);
    expect((await h.call("GET", path, { headers: { ...READER, "if-none-match": etag } })).status).toBe(200);
  });

  it("sees a mapping deleted through the API at once", async () => {
    const h = await start();
    const path = `/mappings/${COLLECTIONS.devices}/${GROUPS.assigned}`;
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned } })).status).toBe(201);
    expect((await h.call("GET", "/mappings", { headers: READER })).body.total).toBe(1);
    expect((await h.call("DELETE", path, { headers: WRITER })).status).toBe(204);
    expect((await h.call("GET", "/mappings", { headers: READER })).body.total).toBe(0);
  });
});

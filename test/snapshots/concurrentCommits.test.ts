import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createPushedSourceProvider } from "../../shared/snapshots/pushedSource.js";
import { encodeParts } from "../../shared/snapshots/snapshotFormat.js";
import { harnessPerTest, type ApiHarness } from "../api/apiHarness.js";
import { DEVICE_COLLECTION, range } from "../support/fixtures.js";
import { commitBody, mapCollection, snapshotDevice } from "./snapshotUploads.js";

const start = harnessPerTest({ pushed: true });

/** Uploads every part of a snapshot, commit not yet sent. */
async function stage(h: ApiHarness, first: number, last: number, lastMemberChangeTime: string) {
  const snapshotId = randomUUID();
  const members = range(first, last).map((n) => snapshotDevice(n));
  const parts = await encodeParts({ collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" }, members, 40);
  for (const [n, data] of parts.entries()) {
    expect((await h.call("PUT", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/parts/${n}`, { body: data })).status).toBe(200);
  }
  const commit = () =>
    h.call("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/commit`, {
      body: commitBody(DEVICE_COLLECTION, members, parts.length, { lastMemberChangeTime, collector: `collector-${first}` }),
    });
  return { snapshotId, ids: members.map((m) => m.resourceId), commit };
}

describe("two collectors pushing at once", () => {
  it("never produce a torn snapshot: readers see one whole snapshot, and the newest watermark wins", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const source = createPushedSourceProvider(h.stores.snapshots);
    const base = await stage(h, 1, 200, "2026-11-01T08:00:00Z");
    await base.commit();
    let previous = base.ids;

    for (let round = 0; round < 3; round++) {
      const older = await stage(h, 1000 + round * 1000, 1150 + round * 1000, `2026-11-0${2 + round}T08:00:00Z`);
      const newer = await stage(h, 1500 + round * 1000, 1700 + round * 1000, `2026-11-0${2 + round}T09:00:00Z`);
      // Both commits race, and a reader reads throughout: it must see a whole snapshot every time.
      const reads = Promise.all(range(1, 4).map(() => source.open().readDeviceMembers(DEVICE_COLLECTION)));
      const [a, b] = await Promise.all([older.commit(), newer.commit()]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const wholes = [previous, older.ids, newer.ids].map((ids) => JSON.stringify(ids));
      for (const seen of await reads) expect(wholes).toContain(JSON.stringify(seen.map((m) => m.resourceId)));
      const current = await source.open().readDeviceMembers(DEVICE_COLLECTION);
      expect(current.map((m) => m.resourceId)).toEqual(newer.ids);
      expect((await h.stores.snapshots.current(DEVICE_COLLECTION))?.snapshot.snapshotId).toBe(newer.snapshotId);
      previous = newer.ids;
    }
    // Only the current snapshot's rows are left.
    expect([...(await h.stores.snapshots.listStoredSnapshots(DEVICE_COLLECTION)).keys()]).toHaveLength(1);
  });
});

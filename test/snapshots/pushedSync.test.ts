import { describe, expect, it } from "vitest";
import { harnessPerTest } from "../api/apiHarness.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { snapshotDevice, uploadSnapshot } from "./snapshotUploads.js";

const devices = range(1, 30).map((n) => entraDevice(n));
const start = harnessPerTest({ pushed: true, seed: scenarioSeed({ others: devices }) });

async function createMapping(h: Awaited<ReturnType<typeof start>>, body: Record<string, unknown> = {}) {
  return h.call("POST", "/mappings", { body: { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", ...body } });
}

describe("pushed snapshots (SOURCE_MODE=pushed)", () => {
  it("accepts a mapping of a collection no collector has uploaded yet, shown as awaiting its first snapshot", async () => {
    const h = await start();
    const withoutType = await createMapping(h);
    expect(withoutType.status).toBe(400);
    expect(withoutType.body.detail).toContain("awaits its first snapshot");

    const created = await createMapping(h, { memberType: "device" });
    expect(created.status).toBe(201);
    expect(created.body.source).toEqual({ status: "awaiting-first-snapshot", snapshot: null });
    const mapped = await h.call("GET", "/collections/mapped");
    expect(mapped.body.items).toEqual([{ collectionId: DEVICE_COLLECTION, mappings: 1, snapshot: null, refresh: true, refreshReason: "first-snapshot" }]);
  });

  it("fails a run before the first snapshot with a message naming the collector, and writes nothing", async () => {
    const h = await start();
    await createMapping(h, { memberType: "device" });
    const run = await h.deps.sync({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, trigger: "manual" });
    expect(run.status).toBe("failed");
    expect(run.message).toContain("collection-sync collect");
    expect(h.tenant.groupMemberIds(GROUP_ID)).toEqual([]);
  });

  it("fills the group from a committed snapshot and queues the collection's mappings at once, ids derived from the snapshot", async () => {
    const h = await start();
    await createMapping(h, { memberType: "device" });
    const members = range(1, 20).map((n) => snapshotDevice(n));
    const { snapshotId, commit, body } = await uploadSnapshot(h, DEVICE_COLLECTION, members, { membersPerPart: 7 });
    expect(commit.status).toBe(200);
    expect(commit.body).toMatchObject({ status: "current", queuedSyncs: 1, current: { snapshotId, members: 20, stale: false } });
    expect(h.queue.sent.map((job) => [job.jobId, job.trigger])).toEqual([[`${DEVICE_COLLECTION}_${GROUP_ID}_snapshot_${snapshotId}`, "snapshot"]]);

    const run = await h.deps.sync({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, trigger: "snapshot" });
    expect(run).toMatchObject({ status: "succeeded", counts: { source: 20, added: 20 } });
    expect(h.tenant.groupMemberIds(GROUP_ID).sort()).toEqual(
      devices
        .slice(0, 20)
        .map((d) => d.objectId)
        .sort(),
    );

    // The same snapshot again: one pointer read on the source side, nothing read in full.
    const again = await h.deps.sync({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, trigger: "schedule" });
    expect(again.status).toBe("skipped-unchanged");
    expect(again.adminServiceRequests).toBe(1);

    // A retried commit (its answer was lost) answers the same and sends the same job id, which the queue drops.
    const retried = await h.call("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/commit`, { body });
    expect(retried.body).toMatchObject({ status: "current", current: { snapshotId } });
    expect(new Set(h.queue.sent.map((job) => job.jobId)).size).toBe(1);
  });

  it("removes members that left the collection once a newer snapshot says so, and keeps the newest of two", async () => {
    const h = await start();
    await createMapping(h, { memberType: "device" });
    await uploadSnapshot(
      h,
      DEVICE_COLLECTION,
      range(1, 20).map((n) => snapshotDevice(n)),
      { lastMemberChangeTime: "2026-11-01T08:00:00Z" },
    );
    await h.deps.sync({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, trigger: "snapshot" });

    const newer = await uploadSnapshot(
      h,
      DEVICE_COLLECTION,
      range(3, 22).map((n) => snapshotDevice(n)),
      { lastMemberChangeTime: "2026-11-01T09:00:00Z" },
    );
    const older = await uploadSnapshot(
      h,
      DEVICE_COLLECTION,
      range(1, 5).map((n) => snapshotDevice(n)),
      { lastMemberChangeTime: "2026-11-01T08:30:00Z" },
    );
    expect(older.commit.body).toMatchObject({ status: "superseded", queuedSyncs: 0, current: { snapshotId: newer.snapshotId } });
    // The superseded upload is gone; only the current snapshot's rows remain.
    expect([...(await h.stores.snapshots.listStoredSnapshots(DEVICE_COLLECTION)).keys()]).toEqual([newer.snapshotId]);

    const run = await h.deps.sync({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, trigger: "snapshot" });
    expect(run).toMatchObject({ status: "succeeded", counts: { added: 2, removed: 2 } });
    expect(h.tenant.groupMemberIds(GROUP_ID)).toHaveLength(20);
  });
});

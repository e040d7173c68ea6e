import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SnapshotMember } from "../../shared/snapshots/snapshot.js";
import { createPushedSourceProvider } from "../../shared/snapshots/pushedSource.js";
import { encodeDeltaParts } from "../../shared/snapshots/snapshotFormat.js";
import { harnessPerTest, type ApiHarness } from "../api/apiHarness.js";
import { DEVICE_COLLECTION, range } from "../support/fixtures.js";
import { commitBody, mapCollection, snapshotDevice, uploadSnapshot } from "./snapshotUploads.js";

const start = harnessPerTest({ pushed: true });
const base = range(1, 20).map((n) => snapshotDevice(n));
const renamed = (n: number): SnapshotMember => ({ ...snapshotDevice(n), name: `RENAMED-${n}` });

interface Delta {
  readonly members: readonly SnapshotMember[];
  readonly removed: readonly number[];
  /** What the collection holds after the change (the commit's count and watermark). */
  readonly after: readonly SnapshotMember[];
}

/** Uploads a change against `baseId` as a collector does: delta parts, then a commit naming the base. */
async function uploadDelta(h: ApiHarness, baseId: string, delta: Delta, options: { perPart?: number; changedAt?: string; members?: number } = {}) {
  const snapshotId = randomUUID();
  const parts = await encodeDeltaParts(
    { collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" },
    delta.members,
    delta.removed,
    options.perPart ?? 3,
  );
  for (const [n, data] of parts.entries()) {
    const put = await h.call("PUT", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/parts/${n}`, { body: data });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
  }
  const body = {
    ...commitBody(DEVICE_COLLECTION, delta.after, parts.length, { lastMemberChangeTime: options.changedAt ?? new Date().toISOString() }),
    ...(options.members === undefined ? {} : { members: options.members }),
    base: baseId,
    withoutEntraId: 0,
  };
  const commit = await h.call("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/commit`, { body });
  return { snapshotId, commit, parts: parts.length, bytes: parts.reduce((sum, part) => sum + part.length, 0) };
}

const readMembers = (h: ApiHarness) => createPushedSourceProvider(h.stores.snapshots).open().readDeviceMembers(DEVICE_COLLECTION);
const hour = 60 * 60_000;

describe("a collector sends only what changed against a base snapshot the app holds", () => {
  it("reads the base less the removed ids plus the new and changed members, in resource-id order", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const full = await uploadSnapshot(h, DEVICE_COLLECTION, base, { lastMemberChangeTime: "2026-11-01T08:00:00Z" });
    // Devices 3 and 15 left, 7 was renamed, 21 and 22 joined.
    const after = [...base.filter((m) => ![3, 7, 15].includes(m.resourceId - 16_777_000)), renamed(7), snapshotDevice(21), snapshotDevice(22)].sort(
      (a, b) => a.resourceId - b.resourceId,
    );
    const delta = await uploadDelta(h, full.snapshotId, {
      members: [renamed(7), snapshotDevice(21), snapshotDevice(22)],
      removed: [3, 7, 15].map((n) => snapshotDevice(n).resourceId),
      after,
    });

    expect(delta.commit.status, JSON.stringify(delta.commit.body)).toBe(200);
    expect(delta.commit.body).toMatchObject({ status: "current", current: { snapshotId: delta.snapshotId, members: 20, baseSnapshotId: full.snapshotId } });
    expect(await readMembers(h)).toEqual(after);
    const mapped = await h.call("GET", "/collections/mapped");
    expect(mapped.body.items[0].snapshot).toMatchObject({ snapshotId: delta.snapshotId, baseSnapshotId: full.snapshotId });
  });

  it("takes each later change against the same base, keeps the base however old, and a full upload afterwards replaces both", async () => {
    let now = Date.now();
    const h = await start({ clock: { now: () => now, sleep: async () => {} } });
    await mapCollection(h, DEVICE_COLLECTION);
    const full = await uploadSnapshot(h, DEVICE_COLLECTION, base, { lastMemberChangeTime: new Date(now - 3 * hour).toISOString() });
    const first = await uploadDelta(
      h,
      full.snapshotId,
      { members: [snapshotDevice(21)], removed: [], after: [...base, snapshotDevice(21)] },
      { changedAt: new Date(now - 2 * hour).toISOString() },
    );
    expect(first.commit.status).toBe(200);
    const cumulative = [...base, snapshotDevice(21), snapshotDevice(22)];
    const second = await uploadDelta(
      h,
      full.snapshotId,
      { members: [snapshotDevice(21), snapshotDevice(22)], removed: [], after: cumulative },
      { changedAt: new Date(now - hour).toISOString() },
    );
    expect(second.commit.status).toBe(200);
    expect(await readMembers(h)).toEqual(cumulative);

    // Hours later the base's rows are old, but a delta reads them: the staging janitor leaves them.
    now += 2 * hour;
    expect(await h.deps.snapshots.pruneStaging()).toMatchObject({ deleted: 0 });
    expect([...(await h.stores.snapshots.listStoredSnapshots(DEVICE_COLLECTION)).keys()].sort()).toEqual([full.snapshotId, second.snapshotId].sort());
    expect(await readMembers(h)).toEqual(cumulative);

    now = Date.now();
    const replaced = await uploadSnapshot(h, DEVICE_COLLECTION, base.slice(0, 5), { lastMemberChangeTime: new Date(now).toISOString() });
    expect(replaced.commit.status).toBe(200);
    now += 2 * hour;
    await h.deps.snapshots.pruneStaging();
    expect([...(await h.stores.snapshots.listStoredSnapshots(DEVICE_COLLECTION)).keys()]).toEqual([replaced.snapshotId]);
    expect(await readMembers(h)).toHaveLength(5);
  });

  it("refuses a change against a base the app no longer reads (409 snapshot-base-gone) and keeps the current snapshot", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const old = await uploadSnapshot(h, DEVICE_COLLECTION, base, { lastMemberChangeTime: "2026-11-01T08:00:00Z" });
    const newer = await uploadSnapshot(h, DEVICE_COLLECTION, base.slice(0, 18), { lastMemberChangeTime: "2026-11-02T08:00:00Z" });

    const stale = await uploadDelta(h, old.snapshotId, { members: [snapshotDevice(21)], removed: [], after: [...base, snapshotDevice(21)] });

    expect(stale.commit.status).toBe(409);
    expect(stale.commit.body.type).toMatch(/snapshot-base-gone$/);
    expect(stale.commit.body.detail).toContain("upload the collection in full");
    expect((await h.stores.snapshots.current(DEVICE_COLLECTION))?.snapshot.snapshotId).toBe(newer.snapshotId);
    expect(await readMembers(h)).toHaveLength(18);
  });

  it("refuses a change whose count does not add up to the base (400), and removals in a snapshot that names no base", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const full = await uploadSnapshot(h, DEVICE_COLLECTION, base, { lastMemberChangeTime: "2026-11-01T08:00:00Z" });

    const miscounted = await uploadDelta(
      h,
      full.snapshotId,
      { members: [snapshotDevice(21)], removed: [], after: [...base, snapshotDevice(21)] },
      { members: 22 },
    );
    expect(miscounted.commit.status).toBe(400);
    expect(miscounted.commit.body.detail).toContain("removing 0 and adding 1 makes 21, but the commit announces 22");

    const snapshotId = randomUUID();
    const [part] = await encodeDeltaParts(
      { collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" },
      [snapshotDevice(21)],
      [snapshotDevice(1).resourceId],
    );
    expect((await h.call("PUT", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/parts/0`, { body: part })).status).toBe(200);
    const noBase = await h.call("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/commit`, {
      body: commitBody(DEVICE_COLLECTION, [snapshotDevice(21)], 1),
    });
    expect(noBase.status).toBe(400);
    expect(noBase.body.detail).toContain("names no base snapshot");
    expect((await h.stores.snapshots.current(DEVICE_COLLECTION))?.snapshot.snapshotId).toBe(full.snapshotId);
  });

  it("fails the read, naming the remedy, when a change does not fit its base, instead of guessing members", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const full = await uploadSnapshot(h, DEVICE_COLLECTION, base, { lastMemberChangeTime: "2026-11-01T08:00:00Z" });
    // Counts add up (20 − 1 + 1) but id 99 was never in the base, and device 5 is added though the base holds it.
    const misfit = await uploadDelta(h, full.snapshotId, { members: [snapshotDevice(5)], removed: [snapshotDevice(99).resourceId], after: base });
    expect(misfit.commit.status).toBe(200);

    await expect(readMembers(h)).rejects.toThrow(/does not fit its base .*refresh/);
  });

  it("commits a change that moves only the watermark as a delta of no parts", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const full = await uploadSnapshot(h, DEVICE_COLLECTION, base, { lastMemberChangeTime: "2026-11-01T08:00:00Z" });
    const same = await uploadDelta(h, full.snapshotId, { members: [], removed: [], after: base });
    expect(same.parts).toBe(0);
    expect(same.commit.status, JSON.stringify(same.commit.body)).toBe(200);
    expect(same.commit.body.queuedSyncs).toBe(1);
    expect(await readMembers(h)).toEqual(base);
  });
});

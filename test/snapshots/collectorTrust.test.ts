import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SourceUser } from "../../shared/core/ports/membershipSource.js";
import type { SnapshotMember } from "../../shared/snapshots/snapshot.js";
import { createPushedSourceProvider } from "../../shared/snapshots/pushedSource.js";
import { encodeParts } from "../../shared/snapshots/snapshotFormat.js";
import { harnessPerTest, type ApiHarness } from "../api/apiHarness.js";
import { READER, WRITER, clientPrincipal } from "../api/principals.js";
import { DEVICE_COLLECTION, USER_COLLECTION, range } from "../support/fixtures.js";
import { commitBody, mapCollection, snapshotDevice, uploadSnapshot } from "./snapshotUploads.js";

const start = harnessPerTest({ pushed: true });
const members = range(1, 10).map((n) => snapshotDevice(n));
const user = (n: number): SourceUser => ({ resourceId: 2_063_000 + n, name: `user${n}`, userPrincipalName: `user${n}@contoso.com`, entraObjectId: null });
const inAnHour = () => new Date(Date.now() + 60 * 60_000).toISOString();

async function stageParts(
  h: ApiHarness,
  collectionId: string,
  snapshotId: string,
  list: readonly SnapshotMember[] = members,
  type: "device" | "user" = "device",
) {
  const parts = await encodeParts({ collectionId, snapshotId, memberType: type }, list, 4);
  for (const [n, data] of parts.entries())
    expect((await h.call("PUT", `/collections/${collectionId}/snapshots/${snapshotId}/parts/${n}`, { body: data })).status).toBe(200);
  return parts.length;
}

describe("a commit becomes current only when it adds up to the collection's own count", () => {
  it("refuses 10 devices when the collection reports MemberCount 12 (409 snapshot-short) and keeps the previous snapshot", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const before = await uploadSnapshot(h, DEVICE_COLLECTION, members, { lastMemberChangeTime: "2026-11-01T08:00:00Z" });
    expect(before.commit.status).toBe(200);

    const short = await uploadSnapshot(h, DEVICE_COLLECTION, members.slice(0, 8), { memberCount: 12, lastMemberChangeTime: "2026-11-02T08:00:00Z" });

    expect(short.commit.status).toBe(409);
    expect(short.commit.headers["content-type"]).toBe("application/problem+json");
    expect(short.commit.body.type).toMatch(/snapshot-short$/);
    expect(short.commit.body.detail).toContain("MemberCount 12");
    expect((await h.stores.snapshots.current(DEVICE_COLLECTION))?.snapshot.snapshotId).toBe(before.snapshotId);
    const read = await createPushedSourceProvider(h.stores.snapshots).open().readDeviceMembers(DEVICE_COLLECTION);
    expect(read).toHaveLength(10);
  });

  it("accepts more members than MemberCount: members joined while the collector read", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    expect((await uploadSnapshot(h, DEVICE_COLLECTION, members, { memberCount: 9 })).commit.status).toBe(200);
  });

  it("counts a user collection's membership rows (user groups too) against MemberCount, and refuses a commit without enough of them", async () => {
    const h = await start();
    await mapCollection(h, USER_COLLECTION, "user");
    const users = range(1, 5).map(user);
    const withGroups = await uploadSnapshot(h, USER_COLLECTION, users, {
      type: "user",
      memberCount: 7,
      rowsRead: 7,
      lastMemberChangeTime: "2026-11-01T08:00:00Z",
    });
    expect(withGroups.commit.status).toBe(200);

    const noRows = await uploadSnapshot(h, USER_COLLECTION, users, { type: "user", memberCount: 7, lastMemberChangeTime: "2026-11-02T08:00:00Z" });
    expect(noRows.commit.status).toBe(409);
    const moreUsersThanRows = await uploadSnapshot(h, USER_COLLECTION, users, {
      type: "user",
      memberCount: 4,
      rowsRead: 4,
      lastMemberChangeTime: "2026-11-02T08:00:00Z",
    });
    expect(moreUsersThanRows.commit.status).toBe(409);
    expect((await h.stores.snapshots.current(USER_COLLECTION))?.snapshot.snapshotId).toBe(withGroups.snapshotId);
  });
});

describe("times a collector reports", () => {
  it("refuses an unparseable or future LastMemberChangeTime, or a read that starts in the future, with 400 and stores no pointer", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const snapshotId = randomUUID();
    const parts = await stageParts(h, DEVICE_COLLECTION, snapshotId);
    const commitPath = `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/commit`;
    const good = commitBody(DEVICE_COLLECTION, members, parts);
    for (const body of [
      { ...good, collection: { ...good.collection, lastMemberChangeTime: "not-a-date" } },
      { ...good, collection: { ...good.collection, lastMemberChangeTime: "9999-12-31T23:59:59Z" } },
      { ...good, collection: { ...good.collection, lastMemberChangeTime: inAnHour() } },
      { ...good, readStartedAt: inAnHour(), readFinishedAt: inAnHour() },
    ]) {
      const refused = await h.call("POST", commitPath, { body });
      expect(refused.status).toBe(400);
      expect(refused.headers["content-type"]).toBe("application/problem+json");
    }
    expect(await h.stores.snapshots.current(DEVICE_COLLECTION)).toBeNull();
    // The same parts with an honest time are taken.
    expect((await h.call("POST", commitPath, { body: good })).status).toBe(200);
  });

  it("takes ConfigMgr's time shapes: fractional seconds up to 7 digits, offsets with or without a colon, no offset, a few minutes of skew", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const skewed = new Date(Date.now() + 2 * 60_000).toISOString();
    for (const time of [
      "2026-11-01T08:00:00Z",
      "2026-11-01T08:00:01.1234567Z",
      "2026-11-01T10:00:02+02:00",
      "2026-11-01T10:00:03.5+0200",
      "2026-11-01T08:00:04",
      skewed,
    ]) {
      const upload = await uploadSnapshot(h, DEVICE_COLLECTION, members, { lastMemberChangeTime: time });
      expect(upload.commit.status, time).toBe(200);
      expect(upload.commit.body.status, time).toBe("current");
    }
  });

  it("refuses a confirmation with a future change time or check time", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const { snapshotId } = await uploadSnapshot(h, DEVICE_COLLECTION, members, { lastMemberChangeTime: "2026-11-01T08:00:00Z" });
    const confirm = (body: Record<string, unknown>) =>
      h.call("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/confirm`, {
        body: { memberCount: 10, lastMemberChangeTime: "2026-11-01T08:00:00Z", checkedAt: new Date().toISOString(), collector: "CM01", ...body },
      });
    expect((await confirm({ lastMemberChangeTime: "9999-12-31T23:59:59Z" })).status).toBe(400);
    expect((await confirm({ checkedAt: inAnHour() })).status).toBe(400);
    expect((await confirm({})).status).toBe(200);
  });
});

describe("discarding a collection's current snapshot", () => {
  const startWithAuth = harnessPerTest({ pushed: true, auth: { mode: "easyauth", platformAuthEnabled: true } });
  const COLLECTOR = { "x-ms-client-principal": clientPrincipal("collector-app", ["Snapshots.Write"]) };

  it("lets Mappings.ReadWrite drop it: the collection then awaits a first snapshot, which the collector is asked for", async () => {
    const h = await startWithAuth();
    await mapCollection(h, DEVICE_COLLECTION);
    const { snapshotId } = await uploadSnapshot(h, DEVICE_COLLECTION, members, { headers: COLLECTOR });
    const path = `/collections/${DEVICE_COLLECTION}/snapshots/current`;
    expect((await h.call("DELETE", path, { headers: READER })).status).toBe(403);
    expect((await h.call("DELETE", path, { headers: COLLECTOR })).status).toBe(403);

    const discarded = await h.call("DELETE", path, { headers: WRITER });

    expect(discarded.status).toBe(200);
    expect(discarded.body.discarded).toMatchObject({ snapshotId, members: 10 });
    expect(await h.stores.snapshots.current(DEVICE_COLLECTION)).toBeNull();
    expect((await h.stores.snapshots.listStoredSnapshots(DEVICE_COLLECTION)).size).toBe(0);
    const mapped = await h.call("GET", "/collections/mapped", { headers: COLLECTOR });
    expect(mapped.body.items[0]).toMatchObject({ collectionId: DEVICE_COLLECTION, snapshot: null, refresh: true, refreshReason: "first-snapshot" });
    expect((await h.call("DELETE", path, { headers: WRITER })).status).toBe(404);
    expect((await h.call("DELETE", `/collections/PS1'0001/snapshots/current`, { headers: WRITER })).status).toBe(400);

    // Who dropped which snapshot stays on record; the refused and the empty attempts leave no entry.
    const audit = await h.call("GET", "/audit?action=snapshot.discard", { headers: READER });
    expect(audit.status).toBe(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({
      action: "snapshot.discard",
      collectionId: DEVICE_COLLECTION,
      before: { snapshotId, memberCount: 10 },
      after: null,
    });
    expect(audit.body.items[0].actor.kind).toBe("user");
  });
});

describe("staging is bounded", () => {
  it("refuses uploads for a collection no mapping reads (409) and stores nothing", async () => {
    const h = await start();
    const upload = uploadSnapshot(h, DEVICE_COLLECTION, members);
    await expect(upload).rejects.toThrow(/part 0: 409 .*collection-not-mapped/);
    expect((await h.stores.snapshots.listStoredSnapshots(DEVICE_COLLECTION)).size).toBe(0);
  });

  it("caps a collection's uncommitted bytes (413), counting a re-sent part once", async () => {
    const h = await start({ stagingMaxBytes: 2_000 });
    await mapCollection(h, DEVICE_COLLECTION);
    const many = range(1, 400).map((n) => snapshotDevice(n));
    const snapshotId = randomUUID();
    const parts = await encodeParts({ collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" }, many, 100);
    const put = (n: number) => h.call("PUT", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/parts/${n}`, { body: parts[n] as Buffer });
    const answers = [];
    for (let n = 0; n < parts.length; n++) answers.push((await put(n)).status);
    expect(answers).toContain(413);
    expect(answers[0]).toBe(200);
    // Sending an accepted part again replaces it rather than adding to the count.
    expect((await put(0)).status).toBe(200);
    const refused = await put(parts.length - 1);
    expect(refused.body.type).toMatch(/staging-full$/);
  });

  it("deletes uploads nobody committed once an hour old, for every collection, and leaves current snapshots alone", async () => {
    let now = Date.now();
    const h = await start({ clock: { now: () => now, sleep: async () => {} } });
    await mapCollection(h, DEVICE_COLLECTION);
    await mapCollection(h, USER_COLLECTION, "user");
    const current = await uploadSnapshot(h, DEVICE_COLLECTION, members);
    await stageParts(h, DEVICE_COLLECTION, randomUUID());
    await stageParts(h, USER_COLLECTION, randomUUID(), range(1, 3).map(user), "user");

    expect(await h.deps.snapshots.pruneStaging()).toMatchObject({ deleted: 0 });
    now += 61 * 60_000;
    expect(await h.deps.snapshots.pruneStaging()).toEqual({ collections: 2, deleted: 2 });

    expect([...(await h.stores.snapshots.listStoredSnapshots(DEVICE_COLLECTION)).keys()]).toEqual([current.snapshotId]);
    expect((await h.stores.snapshots.listStoredSnapshots(USER_COLLECTION)).size).toBe(0);
    expect(await createPushedSourceProvider(h.stores.snapshots).open().readDeviceMembers(DEVICE_COLLECTION)).toHaveLength(10);
  });
});

describe("a committed snapshot never changes", () => {
  it("keeps reading the bytes its commit checked when the same part is uploaded again afterwards", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const snapshotId = randomUUID();
    await stageParts(h, DEVICE_COLLECTION, snapshotId);
    const [original] = await h.stores.snapshots.listParts(DEVICE_COLLECTION, snapshotId);
    expect(
      (await h.call("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/commit`, { body: commitBody(DEVICE_COLLECTION, members, 3) })).status,
    ).toBe(200);
    // A late part written straight to the store, as a request past the app's committed check would.
    const other = range(101, 104).map((n) => snapshotDevice(n));
    const [late] = await encodeParts({ collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" }, other, 4);
    await h.stores.snapshots.putPart(
      DEVICE_COLLECTION,
      snapshotId,
      { ...(original as NonNullable<typeof original>), firstResourceId: other[0]!.resourceId, lastResourceId: other[3]!.resourceId },
      late as Buffer,
    );

    const read = await createPushedSourceProvider(h.stores.snapshots).open().readDeviceMembers(DEVICE_COLLECTION);
    expect(read.map((m) => m.resourceId)).toEqual(members.map((m) => m.resourceId));
  });
});

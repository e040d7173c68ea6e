import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeParts } from "../../shared/snapshots/snapshotFormat.js";
import { harnessPerTest, type ApiHarness } from "../api/apiHarness.js";
import { DEVICE_COLLECTION, range } from "../support/fixtures.js";
import { commitBody, mapCollection, snapshotDevice } from "./snapshotUploads.js";

const start = harnessPerTest({ pushed: true });
const OTHER_COLLECTION = "PS100099";

const partPath = (snapshotId: string, n = 0, collectionId = DEVICE_COLLECTION) => `/collections/${collectionId}/snapshots/${snapshotId}/parts/${n}`;
const gz = (value: unknown) => gzipSync(Buffer.from(JSON.stringify(value), "utf8"));
const part = (snapshotId: string, members: unknown[], extra: Record<string, unknown> = {}) =>
  gz({ collectionId: DEVICE_COLLECTION, snapshotId, part: 0, memberType: "device", members, ...extra });

async function nothingStored(h: ApiHarness, collectionId = DEVICE_COLLECTION): Promise<void> {
  expect((await h.stores.snapshots.listStoredSnapshots(collectionId)).size).toBe(0);
  expect(await h.stores.snapshots.current(collectionId)).toBeNull();
}

function expectProblem(result: { status: number; headers: Readonly<Record<string, string>> }, status: number): void {
  expect(result.status).toBe(status);
  expect(result.headers["content-type"]).toBe("application/problem+json");
}

describe("hostile snapshot uploads get a 4xx and store nothing", () => {
  it("refuses ids that do not match their patterns in the path", async () => {
    const h = await start();
    const body = part(randomUUID(), [snapshotDevice(1)]);
    for (const path of [
      `/collections/PS1'0001/snapshots/${randomUUID()}/parts/0`,
      `/collections/${DEVICE_COLLECTION}/snapshots/not-a-guid/parts/0`,
      `/collections/${DEVICE_COLLECTION}/snapshots/${randomUUID()}/parts/1000`,
      `/collections/${DEVICE_COLLECTION}/snapshots/${randomUUID()}/parts/-1`,
    ]) {
      expectProblem(await h.call("PUT", path, { body }), 400);
    }
    await nothingStored(h);
  });

  it("refuses members with bad ids, unsorted or repeated members and unknown fields", async () => {
    const h = await start();
    const snapshotId = randomUUID();
    const bad = [
      [{ resourceId: 1, name: "PC", entraDeviceId: "not-a-guid" }],
      [{ resourceId: -5, name: "PC", entraDeviceId: null }],
      [{ resourceId: 1.5, name: "PC", entraDeviceId: null }],
      [snapshotDevice(2), snapshotDevice(1)],
      [snapshotDevice(1), snapshotDevice(1)],
      [{ ...snapshotDevice(1), isAdmin: true }],
      [{ ...snapshotDevice(1), name: "PC\u0000" }],
      [],
    ];
    for (const members of bad) {
      const result = await h.call("PUT", partPath(snapshotId), { body: part(snapshotId, members) });
      expectProblem(result, 400);
    }
    await nothingStored(h);
  });

  it("refuses a part whose body names another collection, snapshot or part number than its URL", async () => {
    const h = await start();
    const snapshotId = randomUUID();
    const members = [snapshotDevice(1)];
    const wrongCollection = await h.call("PUT", partPath(snapshotId), { body: part(snapshotId, members, { collectionId: OTHER_COLLECTION }) });
    expectProblem(wrongCollection, 400);
    expect(wrongCollection.body.detail).toContain(`collectionId ${OTHER_COLLECTION} is not the collection in the URL`);
    expectProblem(await h.call("PUT", partPath(snapshotId), { body: part(randomUUID(), members) }), 400);
    expectProblem(await h.call("PUT", partPath(snapshotId, 1), { body: part(snapshotId, members) }), 400);
    await nothingStored(h);
    await nothingStored(h, OTHER_COLLECTION);
  });

  it("refuses a 50 MiB part unread (413), a gzip bomb (413), data that is not gzip (400) and another content type (415)", async () => {
    const h = await start();
    const snapshotId = randomUUID();
    const huge = await h.call("PUT", partPath(snapshotId), { body: new Uint8Array(50 * 1024 * 1024) });
    expectProblem(huge, 413);
    // 64 MiB of zeros in a ~64 KiB gzip: refused once inflating passes the 40 MiB cap, never inflated in full.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(256 * 1024);
    expectProblem(await h.call("PUT", partPath(snapshotId), { body: bomb }), 413);
    expectProblem(await h.call("PUT", partPath(snapshotId), { body: Buffer.from(JSON.stringify({ members: [] })) }), 400);
    expectProblem(await h.call("PUT", partPath(snapshotId), { body: gzipSync(Buffer.from("{not json")) }), 400);
    const json = await h.call("PUT", partPath(snapshotId), { body: JSON.stringify({ members: [] }) });
    expectProblem(json, 415);
    await nothingStored(h);
  });

  it("refuses a commit whose counts do not add up, whose parts are missing or whose body names another collection", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const snapshotId = randomUUID();
    const members = range(1, 10).map((n) => snapshotDevice(n));
    const parts = await encodeParts({ collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" }, members, 4);
    for (const [n, data] of parts.entries()) expect((await h.call("PUT", partPath(snapshotId, n), { body: data })).status).toBe(200);
    const commitPath = `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/commit`;
    const good = commitBody(DEVICE_COLLECTION, members, parts.length);

    expectProblem(await h.call("POST", commitPath, { body: { ...good, members: 11 } }), 400);
    expectProblem(await h.call("POST", commitPath, { body: { ...good, parts: 2 } }), 400);
    const missing = await h.call("POST", commitPath, { body: { ...good, parts: 4, members: 10 } });
    expectProblem(missing, 409);
    expect(missing.body.detail).toContain("Part 3 of 4 has not been uploaded");
    expectProblem(await h.call("POST", commitPath, { body: { ...good, collectionId: OTHER_COLLECTION } }), 400);
    expectProblem(await h.call("POST", commitPath, { body: { ...good, collection: { ...good.collection, type: "user" } } }), 400);
    expectProblem(await h.call("POST", commitPath, { body: { ...good, extra: 1 } }), 400);
    expect(await h.stores.snapshots.current(DEVICE_COLLECTION)).toBeNull();

    // The same parts with an honest commit are accepted: refusals did not damage them.
    expect((await h.call("POST", commitPath, { body: good })).body).toMatchObject({ status: "current", current: { members: 10 } });
  });

  it("refuses to change a part of a snapshot that is already current", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const snapshotId = randomUUID();
    const members = [snapshotDevice(1)];
    expect((await h.call("PUT", partPath(snapshotId), { body: part(snapshotId, members) })).status).toBe(200);
    expect(
      (await h.call("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/commit`, { body: commitBody(DEVICE_COLLECTION, members, 1) })).status,
    ).toBe(200);
    const changed = await h.call("PUT", partPath(snapshotId), { body: part(snapshotId, [snapshotDevice(2)]) });
    expectProblem(changed, 409);
    expect(changed.body.type).toMatch(/snapshot-committed$/);
  });
});

import { describe, expect, it } from "vitest";
import { harnessPerTest } from "../api/apiHarness.js";
import { WRITER, clientPrincipal } from "../api/principals.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { snapshotDevice, uploadSnapshot, mapCollection } from "./snapshotUploads.js";

const devices = range(1, 30).map((n) => entraDevice(n));
const start = harnessPerTest({ pushed: true, seed: scenarioSeed({ others: devices }) });
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const sync = (h: Awaited<ReturnType<typeof start>>) => h.deps.sync({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, trigger: "snapshot" });

describe("snapshot freshness (SNAPSHOT_MAX_AGE_MINUTES)", () => {
  it("lets a stale snapshot add members but blocks every removal, marks the mapping degraded, and a confirmation lifts it", async () => {
    const h = await start();
    await h.call("POST", "/mappings", { body: { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" } });
    await uploadSnapshot(
      h,
      DEVICE_COLLECTION,
      range(1, 20).map((n) => snapshotDevice(n)),
      { lastMemberChangeTime: "2026-11-01T08:00:00Z" },
    );
    expect((await sync(h)).counts.added).toBe(20);

    // Read 45 minutes ago (the collector was cut off since): older than the 30-minute default.
    const stale = await uploadSnapshot(
      h,
      DEVICE_COLLECTION,
      range(3, 22).map((n) => snapshotDevice(n)),
      {
        lastMemberChangeTime: "2026-11-01T09:00:00Z",
        readStartedAt: minutesAgo(45),
      },
    );
    expect(stale.commit.body.current).toMatchObject({ stale: true });
    const blocked = await sync(h);
    expect(blocked).toMatchObject({ status: "blocked", blockedBy: "source-stale", counts: { added: 2, removed: 0 } });
    expect(blocked.message).toContain("wait for a fresh snapshot from the on-premises collector");
    expect(h.tenant.groupMemberIds(GROUP_ID)).toHaveLength(22);

    const mapping = await h.call("GET", `/mappings/${DEVICE_COLLECTION}/${GROUP_ID}`);
    expect(mapping.body.state.health).toBe("degraded");
    expect(mapping.body.source).toMatchObject({ status: "stale", snapshot: { snapshotId: stale.snapshotId } });
    const health = await h.call("GET", "/health");
    expect(health.body.status).toBe("degraded");
    expect(health.body.snapshots).toEqual([
      expect.objectContaining({ collectionId: DEVICE_COLLECTION, status: "stale", collector: "CM01.contoso.com", snapshotId: stale.snapshotId, mappings: 1 }),
    ]);
    expect(health.body.snapshots[0].ageSeconds).toBeGreaterThanOrEqual(45 * 60);

    // The collector sees the collection unchanged and says so: the same snapshot is fresh again.
    const confirmed = await h.call("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${stale.snapshotId}/confirm`, {
      body: { memberCount: 20, lastMemberChangeTime: "2026-11-01T09:00:00Z", checkedAt: new Date().toISOString(), collector: "CM01.contoso.com" },
    });
    expect(confirmed.body.current).toMatchObject({ stale: false });
    const fresh = await sync(h);
    expect(fresh).toMatchObject({ status: "succeeded", counts: { removed: 2 } });
    expect((await h.call("GET", `/mappings/${DEVICE_COLLECTION}/${GROUP_ID}`)).body.state.health).toBe("healthy");
  });

  it("refuses a confirmation of a watermark that is not the current snapshot's", async () => {
    const h = await start();
    await mapCollection(h, DEVICE_COLLECTION);
    const { snapshotId } = await uploadSnapshot(h, DEVICE_COLLECTION, [snapshotDevice(1)], { lastMemberChangeTime: "2026-11-01T08:00:00Z" });
    const changed = await h.call("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/confirm`, {
      body: { memberCount: 2, lastMemberChangeTime: "2026-11-01T10:00:00Z", checkedAt: new Date().toISOString(), collector: "CM01" },
    });
    expect(changed.status).toBe(409);
    expect(changed.body.type).toMatch(/snapshot-outdated$/);
  });
});

describe("who may push snapshots", () => {
  const startWithAuth = harnessPerTest({ pushed: true, auth: { mode: "easyauth", platformAuthEnabled: true } });
  const COLLECTOR = { "x-ms-client-principal": clientPrincipal("collector-app", ["Snapshots.Write"]) };

  it("takes uploads only from Snapshots.Write, which reads the mapped collections but no mapping", async () => {
    const h = await startWithAuth();
    await mapCollection(h, DEVICE_COLLECTION);
    await expect(uploadSnapshot(h, DEVICE_COLLECTION, [snapshotDevice(1)], { headers: WRITER })).rejects.toThrow(/part 0: 403/);
    const pushed = await uploadSnapshot(h, DEVICE_COLLECTION, [snapshotDevice(1)], { headers: COLLECTOR });
    expect(pushed.commit.status).toBe(200);
    expect(pushed.commit.body.current.collector).toBe("CM01.contoso.com");
    expect((await h.call("GET", "/collections/mapped", { headers: COLLECTOR })).status).toBe(200);
    expect((await h.call("GET", "/mappings", { headers: COLLECTOR })).status).toBe(403);
    expect((await h.call("GET", "/collections/mapped")).status).toBe(401);
  });
});

describe("SOURCE_MODE=adminservice", () => {
  const startPull = harnessPerTest();
  it("refuses snapshot uploads with a clear problem", async () => {
    const h = await startPull();
    await expect(uploadSnapshot(h, DEVICE_COLLECTION, [snapshotDevice(1)])).rejects.toThrow(/pushed-mode-off/);
  });
});

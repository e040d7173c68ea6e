import { afterEach, describe, expect, it } from "vitest";
import type { Notification } from "../../shared/notify/notification.js";
import { pushedSnapshotFreshness } from "../../shared/notify/pushedSnapshotFreshness.js";
import { harnessPerTest } from "../api/apiHarness.js";
import { snapshotDevice, uploadSnapshot } from "../snapshots/snapshotUploads.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { testNotifications } from "./testNotifications.js";
import { startLocalReceiver, type LocalReceiver } from "./localReceiver.js";

const start = harnessPerTest({ pushed: true, seed: scenarioSeed({ others: range(1, 5).map((n) => entraDevice(n)) }) });
const MAX_AGE_MS = 30 * 60_000;

let receiver: LocalReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe("collector snapshot notifications (SOURCE_MODE=pushed)", () => {
  it("tells the channel once when a mapped collection's snapshot goes stale, and once when the collector confirms it again", async () => {
    const h = await start();
    receiver = await startLocalReceiver();
    const notifications = testNotifications({
      receivers: [{ format: "json", url: `${receiver.url}/hook` }],
      outbox: h.stores.notifications,
      clock: h.deps.clock,
    });
    const local = receiver;
    const tick = async () => {
      const before = local.delivered.length;
      await notifications.watchSnapshots(await pushedSnapshotFreshness({ mappings: h.stores.mappings, snapshots: h.deps.snapshots }, Date.now(), MAX_AGE_MS));
      await notifications.deliver();
      return local.delivered.slice(before).map((post) => post.body as Notification);
    };
    await h.call("POST", "/mappings", { body: { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" } });
    expect(await tick()).toEqual([]); // awaiting its first snapshot is not stale

    const { snapshotId } = await uploadSnapshot(
      h,
      DEVICE_COLLECTION,
      range(1, 5).map((n) => snapshotDevice(n)),
      {
        lastMemberChangeTime: "2026-11-01T08:00:00Z",
        readStartedAt: new Date(Date.now() - 45 * 60_000).toISOString(),
      },
    );
    const [stale, ...more] = await tick();
    expect(more).toEqual([]);
    expect(stale).toMatchObject({ kind: "snapshot-stale", details: { collectionId: DEVICE_COLLECTION, maxAgeMinutes: 30 } });
    expect(await tick()).toEqual([]);

    await h.call("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/confirm`, {
      body: { memberCount: 5, lastMemberChangeTime: "2026-11-01T08:00:00Z", checkedAt: new Date().toISOString(), collector: "CM01.contoso.com" },
    });
    expect((await tick()).map((n) => n.kind)).toEqual(["recovered"]);
  });
});

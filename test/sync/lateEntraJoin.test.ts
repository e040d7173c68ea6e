import { afterEach, describe, expect, it } from "vitest";
import { fakeClock } from "../scheduling/fakeClock.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, scenarioSeed } from "../support/fixtures.js";
import { startSyncHarness, type SyncHarness } from "../support/syncHarness.js";

const MINUTE = 60_000;
const RECHECK = 60 * MINUTE;
const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/**
 * A device that joins Entra after it joined the collection changes nothing ConfigMgr counts as a collection change
 * (same members, same LastMemberChangeTime), so the O(1) unchanged skip alone would never add it.
 */
describe("a member that joins Entra later, in a collection that never changes", () => {
  it("is added by the first run after SOURCE_IDENTITY_RECHECK_MINUTES, not before", async () => {
    const joined = entraDevice(1);
    const notYet = entraDevice(2, { aadDeviceId: false });
    const clock = fakeClock();
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [joined, notYet] }), clock, policy: { sourceRecheckMs: RECHECK } });
    await harness.addMapping(ref);
    const first = await harness.sync(ref);
    expect(first.counts.skipped["no-entra-id"]).toBe(1);
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toEqual([joined.objectId]);

    // ConfigMgr learns the device's Entra id (the client reported its Entra join); the collection is untouched.
    harness.tenant.updateSystem(notYet.system.ResourceId, { AADDeviceID: entraDevice(2).system.AADDeviceID });
    clock.advance(5 * MINUTE);
    expect((await harness.sync(ref)).status).toBe("skipped-unchanged");

    clock.advance(RECHECK);
    const due = await harness.sync(ref);
    expect(due.status).toBe("succeeded");
    expect(due.counts.added).toBe(1);
    expect(new Set(harness.tenant.groupMemberIds(GROUP_ID))).toEqual(new Set([joined.objectId, notYet.objectId]));

    // Nothing is left to re-check: the next runs are O(1) skips again, however long later.
    clock.advance(3 * RECHECK);
    expect((await harness.sync(ref)).status).toBe("skipped-unchanged");
  });

  it("re-asks Graph about a device ConfigMgr knows but Entra did not have yet", async () => {
    const late = entraDevice(1);
    const clock = fakeClock();
    harness = await startSyncHarness({
      seed: scenarioSeed({ collection: [entraDevice(1, { inEntra: false })] }),
      clock,
      policy: { sourceRecheckMs: RECHECK },
      stores: { resolutionNotFoundTtlMs: RECHECK },
    });
    await harness.addMapping(ref);
    expect((await harness.sync(ref)).counts.skipped["not-found"]).toBe(1);

    if (late.device === null) throw new Error("fixture has a device");
    harness.tenant.addDevice(late.device);
    clock.advance(RECHECK / 2);
    expect((await harness.sync(ref)).status).toBe("skipped-unchanged");
    clock.advance(RECHECK / 2 + 5 * MINUTE);
    const due = await harness.sync(ref);
    expect(due.counts.added).toBe(1);
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toEqual([late.objectId]);
  });

  it("costs nothing extra where every member is in Entra", async () => {
    const clock = fakeClock();
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [entraDevice(1), entraDevice(2)] }), clock, policy: { sourceRecheckMs: RECHECK } });
    await harness.addMapping(ref);
    expect((await harness.sync(ref)).counts.added).toBe(2);
    clock.advance(10 * RECHECK);
    expect((await harness.sync(ref)).status).toBe("skipped-unchanged");
  });
});

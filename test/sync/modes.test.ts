import { afterEach, describe, expect, it } from "vitest";
import { approveBlockedChange } from "../../shared/sync/approval.js";
import type { SyncMode } from "../../shared/core/mapping.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed, type DeviceFixture } from "../support/fixtures.js";
import { fakeClock as steppingClock } from "../scheduling/fakeClock.js";
import { startSyncHarness, type SyncHarness } from "../support/syncHarness.js";

const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
const key = `${DEVICE_COLLECTION}_${GROUP_ID}`;
let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ids = (devices: readonly DeviceFixture[]) => devices.map((d) => d.objectId!);
const members = () => new Set(harness!.tenant.groupMemberIds(GROUP_ID));
const approve = () => approveBlockedChange({ state: harness!.stores.state, clock: harness!.deps.clock, log: harness!.deps.log }, ref, "admin@contoso.com");

/** Collection {A,B}, group {C,D,E} added by hand, as in the seed's example. */
async function seedExample(mode: SyncMode) {
  const [a, b, c, d, e] = range(1, 5).map((n) => entraDevice(n));
  harness = await startSyncHarness({ seed: scenarioSeed({ collection: [a!, b!], others: [c!, d!, e!], groupMembers: ids([c!, d!, e!]) }) });
  await harness.addMapping({ ...ref, mode });
  return { a: a!, b: b!, c: c!, d: d!, e: e! };
}

describe("additive mode", () => {
  it("adds A and B, keeps the hand-added C, D, E, and keeps B after it leaves the collection", async () => {
    const { a, b, c, d, e } = await seedExample("additive");
    expect((await harness!.sync(ref)).counts.added).toBe(2);
    harness!.tenant.setCollectionMembers(DEVICE_COLLECTION, [a.system.ResourceId]);
    const run = await harness!.sync(ref);
    expect(run.counts.removed).toBe(0);
    expect(members()).toEqual(new Set(ids([a, b, c, d, e])));
  });
});

describe("managed mode (ConfigMgr's incremental sync)", () => {
  it("removes a member that left the collection only if this app added it", async () => {
    const { a, b, c, d, e } = await seedExample("managed");
    await harness!.sync(ref);
    expect(members()).toEqual(new Set(ids([a, b, c, d, e])));
    harness!.tenant.setCollectionMembers(DEVICE_COLLECTION, [a.system.ResourceId]);

    const run = await harness!.sync(ref);

    expect(run.status).toBe("succeeded");
    expect(run.counts.removed).toBe(1);
    expect(members()).toEqual(new Set(ids([a, c, d, e])));
  });

  it("never removes a member added by hand, even one that was also in the collection before we synced", async () => {
    const [a, handAndCollection] = [entraDevice(1), entraDevice(2)];
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [a, handAndCollection], groupMembers: [handAndCollection.objectId!] }) });
    await harness.addMapping({ ...ref, mode: "managed" });
    await harness.sync(ref);
    harness.tenant.setCollectionMembers(DEVICE_COLLECTION, []);
    // Empty collection would trip the source-empty guard; keep one other member in it instead.
    harness.tenant.setCollectionMembers(DEVICE_COLLECTION, [a.system.ResourceId]);

    const run = await harness.sync(ref);

    expect(run.counts.removed).toBe(0);
    expect(members()).toEqual(new Set(ids([a, handAndCollection])));
  });
});

describe("mirror mode (ConfigMgr's full sync)", () => {
  it("asks for approval on the first sync of a non-empty group, then makes the group equal the collection", async () => {
    const { a, b } = await seedExample("mirror");

    const first = await harness!.sync(ref);
    expect(first.status).toBe("blocked");
    expect(first.blockedBy).toBe("mirror-first-sync");
    expect(first.message).toContain("approve");
    expect(first.counts.added).toBe(2);
    expect(members().size).toBe(5);

    await approve();
    const second = await harness!.sync(ref);

    expect(second.status).toBe("succeeded");
    expect(second.counts.removed).toBe(3);
    expect(members()).toEqual(new Set(ids([a, b])));
  });

  it("removes a member added by hand after the first sync, and one that left the collection", async () => {
    const devices = range(1, 20).map((n) => entraDevice(n));
    const byHand = entraDevice(99);
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices, others: [byHand] }) });
    await harness.addMapping({ ...ref, mode: "mirror" });
    expect((await harness.sync(ref)).status).toBe("succeeded");
    harness.tenant.addMemberByHand(GROUP_ID, byHand.objectId!);
    harness.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.slice(1).map((d) => d.system.ResourceId),
    );

    const run = await harness.sync(ref);

    expect(run.status).toBe("succeeded");
    expect(run.counts.removed).toBe(2);
    expect(members()).toEqual(new Set(ids(devices.slice(1))));
  });
});

describe("safety guards", () => {
  async function mirrorGroupOf(count: number) {
    const devices = range(1, count).map((n) => entraDevice(n));
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices }) });
    await harness.addMapping({ ...ref, mode: "mirror" });
    expect((await harness.sync(ref)).status).toBe("succeeded");
    return devices;
  }

  it("blocks removing everything when the collection reads empty but had members", async () => {
    await mirrorGroupOf(5);
    harness!.tenant.setCollectionMembers(DEVICE_COLLECTION, []);

    const run = await harness!.sync(ref);

    expect(run.status).toBe("blocked");
    expect(run.blockedBy).toBe("source-empty");
    expect(members().size).toBe(5);
    expect(harness!.graphCalls("DELETE", "/members/")).toBe(0);
  });

  it.each([
    ["a failing AdminService", { status: 500 }],
    ["truncated paging", { truncatePaging: true }],
  ])("removes nothing after %s", async (_, fault) => {
    await mirrorGroupOf(30);
    harness!.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      range(1, 5).map((n) => entraDevice(n).system.ResourceId),
    );
    harness!.tenant.faults.add({ service: "adminService", path: /SMS_FullCollectionMembership/, ...fault });

    const run = await harness!.sync(ref);

    expect(run.status).toBe("failed");
    expect(members().size).toBe(30);
    expect(harness!.graphCalls("DELETE", "/members/")).toBe(0);
  });

  it("blocks one member over the percentage threshold (with more than 10 removals) and lets exactly that change through once approved", async () => {
    // 100 members, threshold 20 %: removing 20 passes, removing 21 is blocked.
    const devices = await mirrorGroupOf(100);
    harness!.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.slice(21).map((d) => d.system.ResourceId),
    );

    const blocked = await harness!.sync(ref);
    expect(blocked.status).toBe("blocked");
    expect(blocked.blockedBy).toBe("removal-threshold");
    expect(members().size).toBe(100);
    const state = await harness!.stores.state.get(key);
    expect(state.blocked?.removeCount).toBe(21);

    await approve();
    const approved = await harness!.sync(ref);
    expect(approved.status).toBe("succeeded");
    expect(approved.counts.removed).toBe(21);

    // The approval was used up: the next large removal is blocked again.
    harness!.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.slice(60).map((d) => d.system.ResourceId),
    );
    expect((await harness!.sync(ref)).status).toBe("blocked");
  });

  it("lets exactly the threshold through without approval", async () => {
    const devices = await mirrorGroupOf(100);
    harness!.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.slice(20).map((d) => d.system.ResourceId),
    );
    const run = await harness!.sync(ref);
    expect(run.status).toBe("succeeded");
    expect(run.counts.removed).toBe(20);
  });

  it("blocks one member over the count threshold whatever the percentage", async () => {
    const devices = range(1, 60).map((n) => entraDevice(n));
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices }), policy: { removalThresholdCount: 10, removalThresholdPercent: 100 } });
    await harness.addMapping({ ...ref, mode: "mirror" });
    await harness.sync(ref);
    harness.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.slice(11).map((d) => d.system.ResourceId),
    );

    const run = await harness.sync(ref);

    expect(run.status).toBe("blocked");
    expect(run.blockedBy).toBe("removal-threshold");
    expect(run.message).toContain("more than the limit of 10");
  });

  it("does not apply an approval to a different change than the one that was blocked", async () => {
    const devices = await mirrorGroupOf(100);
    harness!.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.slice(30).map((d) => d.system.ResourceId),
    );
    expect((await harness!.sync(ref)).status).toBe("blocked");
    await approve();
    // The collection moves on before the approved run: now 50 would go, not the 30 that were approved.
    harness!.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.slice(50).map((d) => d.system.ResourceId),
    );

    const run = await harness!.sync(ref);

    expect(run.status).toBe("blocked");
    expect(members().size).toBe(100);
  });

  it("previews exactly what would change and which guard would block, without writing", async () => {
    const devices = await mirrorGroupOf(50);
    harness!.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.slice(25).map((d) => d.system.ResourceId),
    );

    const preview = await harness!.sync(ref, { dryRun: true });

    expect(preview.status).toBe("preview");
    expect(preview.blockedBy).toBe("removal-threshold");
    expect(new Set(preview.preview?.toRemove)).toEqual(new Set(ids(devices.slice(0, 25))));
    expect(members().size).toBe(50);
  });
});

describe("failures", () => {
  it("marks a mapping degraded after 3 failed runs and quarantined after 10, one tick apart", async () => {
    const clock = steppingClock();
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [entraDevice(1)] }), clock });
    await harness.addMapping(ref);
    harness.tenant.faults.add({ service: "adminService", status: 500 });
    const tick = async () => {
      clock.advance(5 * 60_000);
      await harness!.sync(ref);
    };
    for (let i = 0; i < 3; i += 1) await tick();
    expect((await harness.stores.state.get(key)).health).toBe("degraded");
    for (let i = 0; i < 7; i += 1) await tick();
    expect((await harness.stores.state.get(key)).health).toBe("quarantined");
  });

  it("counts a burst of immediate redeliveries as one failure", async () => {
    const clock = steppingClock();
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [entraDevice(1)] }), clock });
    await harness.addMapping(ref);
    harness.tenant.faults.add({ service: "adminService", status: 500 });
    for (let i = 0; i < 10; i += 1) {
      clock.advance(1_000);
      await harness.sync(ref);
    }
    expect(await harness.stores.state.get(key)).toMatchObject({ health: "healthy", consecutiveFailures: 1 });
  });
});

describe("re-enabling a quarantined mapping", () => {
  it("clears the quarantine and the failure count", async () => {
    const { reinstateMapping } = await import("../../shared/sync/reinstate.js");
    const clock = steppingClock();
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [entraDevice(1)] }), clock });
    await harness.addMapping(ref);
    const fault = harness.tenant.faults.add({ service: "adminService", status: 500 });
    for (let i = 0; i < 10; i += 1) {
      clock.advance(5 * 60_000);
      await harness.sync(ref);
    }
    expect((await harness.stores.state.get(key)).health).toBe("quarantined");
    fault.remove();

    await reinstateMapping(harness.stores.state, key);

    expect(await harness.stores.state.get(key)).toMatchObject({ health: "healthy", consecutiveFailures: 0 });
    expect((await harness.sync(ref)).status).toBe("succeeded");
  });
});

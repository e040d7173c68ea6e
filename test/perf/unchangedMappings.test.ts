import { afterEach, describe, expect, it } from "vitest";
import { FOLLOW_DELTA_ABOVE, GROUP_REFRESH_MS } from "../../shared/sync/groupTracker.js";
import { fakeClock } from "../scheduling/fakeClock.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed, type DeviceFixture } from "../support/fixtures.js";
import { startSyncHarness, type SyncHarness } from "../support/syncHarness.js";

const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
const MEMBER_LISTING = `/groups/${GROUP_ID}/members/microsoft.graph.device`;
let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function syncedTenant(devices: readonly DeviceFixture[], others: readonly DeviceFixture[] = [], clock = fakeClock()) {
  harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices, others }), clock });
  await harness.addMapping(ref);
  const first = await harness.sync(ref);
  expect(first.status).toBe("succeeded");
  return { h: harness, first, clock };
}

/** Graph requests of one kind the simulator saw while `work` ran. */
async function callsDuring<T>(h: SyncHarness, method: string, path: string, work: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const before = h.graphCalls(method, path);
  const result = await work();
  return { result, calls: h.graphCalls(method, path) - before };
}

describe("an unchanged mapping costs O(1)", () => {
  it("skips the tick after a sync that added members: one AdminService request, one Graph request, no member read", async () => {
    const devices = range(1, 30).map((n) => entraDevice(n));
    const { h, first } = await syncedTenant(devices);
    expect(first.counts.added).toBe(30);

    h.tenant.resetCounters();
    const { result: run, calls } = await callsDuring(h, "GET", MEMBER_LISTING, () => h.sync(ref));

    expect(run.status).toBe("skipped-unchanged");
    expect(run.adminServiceRequests).toBe(1);
    expect(run.graphRequests).toBe(1);
    expect(calls).toBe(0);
    // What the tenant saw, beside what the run counted.
    expect(h.tenant.counters).toMatchObject({ graphHttpRequests: 1, adminServiceRequests: 1 });
  });

  it("does not count our own writes, which the next tick's group delta shows again", async () => {
    const devices = range(1, 12).map((n) => entraDevice(n));
    const { h, first } = await syncedTenant(devices);
    const deltaCallsOfFirstRun = h.graphCalls("GET", "/groups/delta");

    const run = await h.sync(ref);

    expect(first.counts.added).toBe(12);
    expect(deltaCallsOfFirstRun).toBe(1); // the link taken before reading the group; none after the writes
    expect(run.status).toBe("skipped-unchanged");
    expect(run.graphRequests).toBe(1);
  });

  it("does not count a change the snapshot already holds: a member taken out and put back by hand", async () => {
    const devices = range(1, 5).map((n) => entraDevice(n));
    const { h } = await syncedTenant(devices);
    h.tenant.removeMemberByHand(GROUP_ID, devices[2]!.objectId!);
    h.tenant.addMemberByHand(GROUP_ID, devices[2]!.objectId!);

    const run = await h.sync(ref);

    expect(run.status).toBe("skipped-unchanged");
    expect(run.graphRequests).toBeLessThanOrEqual(2);
  });

  it("notices a member removed by hand from the group's changes, without reading the whole group", async () => {
    const devices = range(1, 30).map((n) => entraDevice(n));
    const { h } = await syncedTenant(devices);
    h.tenant.removeMemberByHand(GROUP_ID, devices[0]!.objectId!);

    const { result: run, calls } = await callsDuring(h, "GET", MEMBER_LISTING, () => h.sync(ref));

    expect(run.status).toBe("succeeded");
    expect(run.counts).toMatchObject({ added: 1, alreadyPresent: 29, groupBefore: 29 });
    expect(calls).toBe(0);
    expect(h.tenant.groupMemberIds(GROUP_ID)).toHaveLength(30);
    expect((await h.sync(ref)).status).toBe("skipped-unchanged");
  });

  it("writes only the devices that joined the collection, from the snapshot and the group's changes", async () => {
    const devices = range(1, 40).map((n) => entraDevice(n));
    const { h } = await syncedTenant(devices.slice(0, 30), devices.slice(30));
    h.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.map((d) => d.system.ResourceId),
    );

    const listing = await callsDuring(h, "GET", MEMBER_LISTING, async () => callsDuring(h, "PATCH", `/groups/${GROUP_ID}`, () => h.sync(ref)));

    expect(listing.result.result.status).toBe("succeeded");
    expect(listing.result.result.counts).toMatchObject({ added: 10, alreadyPresent: 30 });
    expect(listing.calls).toBe(0);
    expect(listing.result.calls).toBe(1);
    // One group-delta request, one look-up batch, one write batch.
    expect(listing.result.result.graphRequests).toBe(3);
  });

  it("reads the group in full when the delta link has expired, and is back to O(1) on the next tick", async () => {
    const devices = range(1, 10).map((n) => entraDevice(n));
    const { h } = await syncedTenant(devices);
    h.tenant.invalidateDeltaTokens();
    h.tenant.removeMemberByHand(GROUP_ID, devices[4]!.objectId!);

    const { result: run, calls } = await callsDuring(h, "GET", MEMBER_LISTING, () => h.sync(ref));

    expect(run.status).toBe("succeeded");
    expect(run.counts.added).toBe(1);
    expect(calls).toBe(1);
    const next = await h.sync(ref);
    expect(next.status).toBe("skipped-unchanged");
    expect(next.graphRequests).toBeLessThanOrEqual(2);
  });

  it("refreshes a day-old snapshot with one full read when the mapping has work to do", async () => {
    const devices = range(1, 10).map((n) => entraDevice(n));
    const { h, clock } = await syncedTenant(devices);
    clock.advance(GROUP_REFRESH_MS + 60_000);
    expect((await h.sync(ref)).status).toBe("skipped-unchanged"); // quiet: the old snapshot still answers "unchanged?"
    h.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.map((d) => d.system.ResourceId),
    ); // re-evaluated

    const refreshed = await callsDuring(h, "GET", MEMBER_LISTING, () => h.sync(ref));
    h.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.map((d) => d.system.ResourceId),
    );
    const afterRefresh = await callsDuring(h, "GET", MEMBER_LISTING, () => h.sync(ref));

    expect(refreshed.result.status).toBe("succeeded");
    expect(refreshed.calls).toBe(1);
    expect(afterRefresh.result.status).toBe("succeeded");
    expect(afterRefresh.calls).toBe(0);
  });

  it.each([
    ["a few members (our writes come back in the next tick's delta)", 25],
    ["more members than one delta page (the delta is followed right after the writes)", FOLLOW_DELTA_ABOVE + 1],
  ])("does not skip the tick after someone else changed the group while the run was writing %s", async (_, count) => {
    const devices = range(1, count).map((n) => entraDevice(n));
    const byHand = entraDevice(count + 100);
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices, others: [byHand] }) });
    const h = harness;
    await h.addMapping({ ...ref, mode: "mirror" });
    let meddled = false;
    h.tenant.onRequest((event) => {
      if (meddled || event.method !== "PATCH") return;
      meddled = true;
      h.tenant.addMemberByHand(GROUP_ID, byHand.objectId!);
    });
    expect((await h.sync(ref)).status).toBe("succeeded");

    const next = await h.sync(ref);

    expect(next.status).toBe("succeeded");
    expect(next.counts.removed).toBe(1);
    expect(h.tenant.groupMemberIds(GROUP_ID)).not.toContain(byHand.objectId);
  });
});

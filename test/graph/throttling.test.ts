import { afterEach, describe, expect, test } from "vitest";
import { TenantThrottle } from "../../shared/graph/throttle.js";
import { devices, fakeClock, guid, seedOf, startHarness, type GraphHarness } from "./graphFixtures.js";

let harness: GraphHarness | undefined;
afterEach(async () => {
  await harness?.tenant.close();
  harness = undefined;
});

async function kioskTenant(count = 45) {
  const pcs = devices(count);
  const groupId = guid();
  harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Kiosks" }], devices: pcs }));
  return { h: harness, pcs, groupId, ids: pcs.map((d) => d.id) };
}

describe("throttling inside $batch", () => {
  test("a throttled PATCH inside a batch is retried after its Retry-After, and only that one", async () => {
    const { h, groupId, ids } = await kioskTenant();
    h.tenant.faults.add({ service: "graph", method: "PATCH", insideBatch: true, status: 429, retryAfterSeconds: 7, times: 1 });
    const directory = h.provider.open(null);

    const result = await directory.addMembers(groupId, ids);

    expect(result.done.sort()).toEqual([...ids].sort());
    expect(h.clock.sleeps).toEqual([7_000]);
    expect(directory.stats()).toMatchObject({ requests: 2, writes: 4, throttled: 1, throttledWaitMs: 7_000 });
    const patches = h.tenant.requestLog.filter((e) => e.method === "PATCH");
    expect(patches.map((e) => e.status).sort()).toEqual([204, 204, 204, 429]);
    expect(h.tenant.groupMemberIds(groupId)).toHaveLength(45);
  });

  test("a 429 without Retry-After backs off exponentially instead of hammering Graph", async () => {
    const { h, groupId, ids } = await kioskTenant(5);
    h.tenant.faults.add({ service: "graph", method: "PATCH", insideBatch: true, status: 429, times: 2 });

    const result = await h.provider.open(null).addMembers(groupId, ids);

    expect(result.done).toHaveLength(5);
    // random() is pinned to 0.5: 1 s then 2 s, each ±50 % jitter → 750 ms and 1,500 ms.
    expect(h.clock.sleeps).toEqual([750, 1_500]);
  });

  test("a request throttled as a whole (503 + Retry-After) is sent again after the wait", async () => {
    // (The simulator's faults do not reach the $batch envelope itself; a plain request takes the same path.)
    const { h, groupId } = await kioskTenant(1);
    h.tenant.faults.add({ service: "graph", method: "GET", insideBatch: false, status: 503, retryAfterSeconds: 3, times: 1 });
    const directory = h.provider.open(null);

    const group = await directory.getGroup(groupId);

    expect(group?.displayName).toBe("Kiosks");
    expect(h.clock.sleeps).toEqual([3_000]);
    expect(directory.stats()).toMatchObject({ requests: 2, reads: 2, throttled: 1, throttledWaitMs: 3_000 });
  });
});

describe("under Graph's write budget", () => {
  test("a large add outruns the tenant's write bucket, waits as told and still adds everyone", async () => {
    const pcs = devices(1_500);
    const groupId = guid();
    // scale 0.01: 30 writes per 2.5 minutes, so 75 PATCHes must be throttled along the way.
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Fleet" }], devices: pcs }), {}, { throttle: { scale: 0.01 } });
    const h = harness;
    const directory = h.provider.open(null);

    const result = await directory.addMembers(
      groupId,
      pcs.map((d) => d.id),
    );

    expect(result.done).toHaveLength(1_500);
    expect(result.deferred).toEqual([]);
    expect(h.tenant.groupMemberIds(groupId)).toHaveLength(1_500);
    const stats = directory.stats();
    expect(stats.throttled).toBe(h.tenant.counters.throttled);
    expect(stats.throttled).toBeGreaterThan(0);
    expect(h.clock.sleeps.length).toBeGreaterThan(0);
    // Never more PATCHes accepted than the budget allows in the time that passed.
    expect(stats.writes - stats.throttled).toBe(75);
  });
});

describe("deadline", () => {
  test("when Graph asks to wait past the deadline, the rest comes back deferred with the wait asked for", async () => {
    const { h, groupId, ids } = await kioskTenant();
    h.tenant.faults.add({ service: "graph", method: "PATCH", insideBatch: true, status: 429, retryAfterSeconds: 120, times: 1 });

    const result = await h.provider.open(null).addMembers(groupId, ids, { deadline: h.clock.now() + 30_000 });

    expect(result.deferred).toHaveLength(20);
    expect(result.done).toHaveLength(25);
    expect([...result.done, ...result.deferred].sort()).toEqual([...ids].sort());
    expect(result.retryAfterMs).toBe(120_000);
    expect(h.clock.sleeps).toEqual([]);
    expect(h.tenant.groupMemberIds(groupId).sort()).toEqual([...result.done].sort());
  });

  test("another run against the same tenant defers at once, without calling Graph, while the tenant must wait", async () => {
    const { h, groupId, ids } = await kioskTenant(5);
    h.tenant.faults.add({ service: "graph", method: "PATCH", insideBatch: true, status: 429, retryAfterSeconds: 300, times: 1 });
    await h.provider.open(null).addMembers(groupId, ids, { deadline: h.clock.now() + 10_000 });
    const requestsBefore = h.tenant.requestLog.length;

    const second = h.provider.open(null);
    const result = await second.addMembers(groupId, ids, { deadline: h.clock.now() + 10_000 });

    expect(result.deferred.sort()).toEqual([...ids].sort());
    expect(result.retryAfterMs).toBe(300_000);
    expect(h.tenant.requestLog.length).toBe(requestsBefore);
    expect(second.stats().requests).toBe(0);
  });
});

describe("tenants", () => {
  test("two tenants get their own tokens and their own throttle budgets", async () => {
    const tenantA = guid();
    const tenantB = guid();
    const [pcsA, pcsB] = [devices(3), devices(3)];
    const [groupA, groupB] = [guid(), guid()];
    harness = await startHarness(
      seedOf(
        { tenantId: tenantA, groups: [{ id: groupA, displayName: "A" }], devices: pcsA },
        { tenantId: tenantB, groups: [{ id: groupB, displayName: "B" }], devices: pcsB },
      ),
    );
    const h = harness;
    h.tenant.faults.add({ service: "graph", method: "PATCH", path: new RegExp(groupA), status: 429, retryAfterSeconds: 600, times: 1 });

    const a = await h.provider.open(tenantA).addMembers(
      groupA,
      pcsA.map((d) => d.id),
      { deadline: h.clock.now() + 60_000 },
    );
    const b = await h.provider.open(tenantB).addMembers(
      groupB,
      pcsB.map((d) => d.id),
      { deadline: h.clock.now() + 60_000 },
    );

    expect(a.deferred).toHaveLength(3);
    expect(b.done).toHaveLength(3);
    expect(h.clock.sleeps).toEqual([]);
    expect(h.tenant.groupMemberIds(groupB, tenantB)).toHaveLength(3);
    expect(h.credentials.get(tenantA)?.requests).toEqual(["https://graph.microsoft.com/.default"]);
    expect(h.credentials.get(tenantB)?.requests).toEqual(["https://graph.microsoft.com/.default"]);
    const tenantsSeen = new Set(h.tenant.requestLog.filter((e) => e.path.includes(groupB)).map((e) => e.tenantId));
    expect(tenantsSeen).toEqual(new Set([tenantB]));
  });

  test("each view counts only its own requests while sharing the tenant's connection", async () => {
    const { h, groupId, ids } = await kioskTenant(5);
    const first = h.provider.open(null);
    const second = h.provider.open(null);

    await first.getGroup(groupId);
    await second.addMembers(groupId, ids);
    await second.listMemberIds(groupId, "device");

    expect(first.stats()).toEqual({ reads: 1, writes: 0, requests: 1, throttled: 0, throttledWaitMs: 0 });
    expect(second.stats()).toEqual({ reads: 1, writes: 1, requests: 2, throttled: 0, throttledWaitMs: 0 });
    expect(h.credentials.size).toBe(1);
  });
});

describe("adaptive concurrency", () => {
  test("a 429 halves the batches in flight and their size once per throttle window; successes grow them back, never past the maximum", async () => {
    const clock = fakeClock();
    const throttle = new TenantThrottle(8, clock, 3);

    throttle.throttled(5_000);
    throttle.throttled(5_000); // same burst: no second halving
    expect([throttle.concurrency, throttle.batchSize]).toEqual([4, 10]);
    expect(throttle.waitMs).toBe(5_000);

    await clock.sleep(5_000);
    throttle.throttled(1_000); // a new window
    expect([throttle.concurrency, throttle.batchSize]).toEqual([2, 5]);

    for (let i = 0; i < 3; i += 1) throttle.succeeded();
    expect([throttle.concurrency, throttle.batchSize]).toEqual([3, 10]);
    for (let i = 0; i < 3 * 20; i += 1) throttle.succeeded();
    expect([throttle.concurrency, throttle.batchSize]).toEqual([8, 20]);
  });

  test("everyone in the tenant waits for the shared 'not before' time", async () => {
    const clock = fakeClock();
    const throttle = new TenantThrottle(4, clock);
    throttle.throttled(2_500);

    const admission = await throttle.acquire();

    expect(admission).toEqual({ admitted: true });
    expect(clock.sleeps).toEqual([2_500]);
  });

  test("a wait that would pass the deadline is not started", async () => {
    const clock = fakeClock();
    const throttle = new TenantThrottle(4, clock);
    throttle.throttled(60_000);

    expect(await throttle.acquire(clock.now() + 59_000)).toEqual({ admitted: false, waitMs: 60_000 });
    expect(clock.sleeps).toEqual([]);
  });
});

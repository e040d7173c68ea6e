import { afterEach, describe, expect, test } from "vitest";
import { DOCUMENTED_LIMITS, type BudgetLimits } from "../../shared/graph/budgetModel.js";
import { minimalWriteTimeMs, type GrantedWrites } from "../../simulator/index.js";
import { createTenantBudget, localBudgetBook } from "../../shared/graph/tenantBudget.js";
import { devices, fakeClock, guid, seedOf, startHarness, type GraphHarness } from "./graphFixtures.js";

let harness: GraphHarness | undefined;
afterEach(async () => {
  await harness?.tenant.close();
  harness = undefined;
});

/**
 * One flow of requests (maxConcurrency 1) so that the fake clock moves exactly as the waits say, and the
 * simulator's token buckets refill by the time that passed.
 */
async function fleet(members: number, scale: number, budgetLimits: BudgetLimits = DOCUMENTED_LIMITS, grantedWrites?: GrantedWrites) {
  const pcs = devices(members);
  const groupId = guid();
  const seed = seedOf({ groups: [{ id: groupId, displayName: "Fleet" }], devices: pcs });
  harness = await startHarness(seed, { maxConcurrency: 1, budgetLimits }, { throttle: { scale, ...(grantedWrites ? { grantedWrites } : {}) } });
  return { h: harness, groupId, ids: pcs.map((d) => d.id) };
}

describe("pacing writes to the tenant's budget instead of probing it", () => {
  test("a budget as documented is used fully without a single 429", async () => {
    // ×0.1 of the documented budget, and the engine told so: 300 writes at once, then 2 per second.
    // 12,000 members = 600 PATCHes.
    const scaled = (limit: { rate: number; capacity: number }) => ({ rate: limit.rate / 10, capacity: limit.capacity / 10 });
    const limits = { ...DOCUMENTED_LIMITS, writes: scaled(DOCUMENTED_LIMITS.writes), units: scaled(DOCUMENTED_LIMITS.units) };
    const { h, groupId, ids } = await fleet(12_000, 0.1, limits);
    const directory = h.provider.open(null);
    const started = h.clock.now();

    const result = await directory.addMembers(groupId, ids);

    expect(result.done).toHaveLength(12_000);
    expect(h.tenant.counters.throttled).toBe(0);
    const elapsed = h.clock.now() - started;
    expect(elapsed).toBeLessThanOrEqual(1.2 * minimalWriteTimeMs(600, { scale: 0.1 }));
  });

  test("learns a budget far below the documented one from Graph's 429s and Retry-Afters", async () => {
    // ×0.02: 60 writes at once, then one every 2.5 s — the engine assumes 3,000 and 20 per second until told.
    const { h, groupId, ids } = await fleet(8_000, 0.02);
    const directory = h.provider.open(null);
    const started = h.clock.now();

    const result = await directory.addMembers(groupId, ids);

    expect(result.done).toHaveLength(8_000);
    expect(h.tenant.groupMemberIds(groupId)).toHaveLength(8_000);
    const writes = h.tenant.counters.graphWrites;
    // The old probing engine had 44 % of its writes refused against an unknown bucket like this one.
    expect(h.tenant.counters.throttled / writes).toBeLessThan(0.1);
    expect(h.clock.now() - started).toBeLessThanOrEqual(1.3 * minimalWriteTimeMs(400, { scale: 0.02 }));
  });

  // Other apps spend part of the tenant's 18,000 writes / 5 min: Graph grants less than documented, and says so
  // only with 429s. A minute of writes past the burst, from a budget that has learned nothing yet.
  test.each([
    { perSecond: 5, burst: 100 },
    { perSecond: 10, burst: 1_000 },
    { perSecond: 20, burst: 100 },
  ])("finds the write budget Graph really grants ($perSecond/s, burst $burst): within 1.3× its minimum, ≤ 10 % of writes refused", async (granted) => {
    const writes = granted.burst + 60 * granted.perSecond;
    const { h, groupId, ids } = await fleet(writes * 20, 1, DOCUMENTED_LIMITS, granted);
    const directory = h.provider.open(null);
    const started = h.clock.now();

    const result = await directory.addMembers(groupId, ids);

    expect(result.done).toHaveLength(writes * 20);
    expect(h.tenant.counters.throttled / h.tenant.counters.graphWrites).toBeLessThanOrEqual(0.1);
    expect(h.clock.now() - started).toBeLessThanOrEqual(1.3 * h.tenant.minimalWriteTimeMs(writes));
  });
});

describe("a 429 voids the reservations made before it", () => {
  test("a batch reserved before Graph's 429 is given back and reserved again behind the wait, not sent with the others when it ends", async () => {
    const clock = fakeClock();
    const book = localBudgetBook();
    const budget = createTenantBudget(book, DOCUMENTED_LIMITS, clock);
    const batch = { writes: 20, units: 20 };
    const before = await budget.reserve(batch);
    if (!before.admitted) throw new Error("the first batch is admitted");
    await budget.throttled("writes", 1, 1_000, clock.now());

    expect(await budget.keep(before.ticket)).toBe(false);
    expect(book.state?.writes.granted).toBe(0);
    const after = await budget.reserve(batch);
    if (!after.admitted) throw new Error("admitted after the wait");
    // Not before Graph's Retry-After has passed.
    expect(clock.now()).toBeGreaterThanOrEqual(after.ticket.reservedAt);
    expect(after.ticket.reservedAt).toBeGreaterThanOrEqual(Date.UTC(2025, 0, 6, 9, 0, 1));
    expect(await budget.keep(after.ticket)).toBe(true);
  });
});

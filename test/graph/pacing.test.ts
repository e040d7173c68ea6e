import { afterEach, describe, expect, test } from "vitest";
import { DOCUMENTED_LIMITS, type BudgetLimits } from "../../shared/graph/budgetModel.js";
import { minimalWriteTimeMs } from "../../simulator/index.js";
import { devices, guid, seedOf, startHarness, type GraphHarness } from "./graphFixtures.js";

let harness: GraphHarness | undefined;
afterEach(async () => {
  await harness?.tenant.close();
  harness = undefined;
});

/**
 * One flow of requests (maxConcurrency 1) so that the fake clock moves exactly as the waits say, and the
 * simulator's token buckets refill by the time that passed.
 */
async function fleet(members: number, scale: number, budgetLimits: BudgetLimits = DOCUMENTED_LIMITS) {
  const pcs = devices(members);
  const groupId = guid();
  const seed = seedOf({ groups: [{ id: groupId, displayName: "Fleet" }], devices: pcs });
  harness = await startHarness(seed, { maxConcurrency: 1, budgetLimits }, { throttle: { scale } });
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
});

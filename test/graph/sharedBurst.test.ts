import { describe, expect, it } from "vitest";
import { DOCUMENTED_LIMITS, initialBudget, reserve, BURST_PACE, type BudgetState } from "../../shared/graph/budgetModel.js";

const T0 = Date.parse("2026-03-01T00:00:00.000Z");
/** One `$batch` of 20 writes. */
const batch = { writes: 20, units: 20 };

/** Reserves batches as soon as the model lets them go, for `ms`; the send times of the granted ones. */
function spend(state: BudgetState, ms: number): number[] {
  const sent: number[] = [];
  let now = T0;
  let current = state;
  while (now < T0 + ms) {
    const answer = reserve(current, batch, now, DOCUMENTED_LIMITS);
    if (!answer.granted) {
      now += answer.waitMs;
      continue;
    }
    current = answer.state;
    sent.push(now + answer.delayMs);
    now += answer.delayMs;
  }
  return sent;
}

const withInstances = (n: number): BudgetState => ({
  ...initialBudget(DOCUMENTED_LIMITS, T0),
  instances: Object.fromEntries(Array.from({ length: n }, (_, i) => [`instance-${i}`, T0])),
});

describe("Graph's burst is spent at a bounded pace, alone or shared", () => {
  it("one instance alone starts the burst at three times the sustained rate and speeds up as it proves itself", () => {
    const sent = spend(initialBudget(DOCUMENTED_LIMITS, T0), 10_000);
    const inFirstSecond = sent.filter((at) => at < T0 + 1_000).length * batch.writes;
    // A smaller real burst is met with about one batch in flight …
    expect(inFirstSecond).toBeLessThanOrEqual(BURST_PACE * DOCUMENTED_LIMITS.writes.rate + batch.writes);
    // … and the documented one is spent within seconds, not held back to the sustained rate.
    expect(sent.filter((at) => at < T0 + 7_000).length * batch.writes).toBeGreaterThanOrEqual(3_000);
  });

  it("alone, starting the burst slowly costs no total time", () => {
    // 5,000 writes need at least 100 s (3,000 at once, then 20/s).
    const sent = spend(initialBudget(DOCUMENTED_LIMITS, T0), 101_000);
    expect(sent.length * batch.writes).toBeGreaterThanOrEqual(5_000);
  });

  it("shared by several instances, the burst goes out at most at three times the sustained rate, so later runs share it", () => {
    const sent = spend(withInstances(8), 30_000);
    const rate = DOCUMENTED_LIMITS.writes.rate;
    const inFirstTenSeconds = sent.filter((at) => at < T0 + 10_000).length * batch.writes;
    expect(inFirstTenSeconds).toBeLessThanOrEqual(BURST_PACE * rate * 10 + 2 * batch.writes);
    expect(inFirstTenSeconds).toBeGreaterThanOrEqual(BURST_PACE * rate * 10 - 2 * batch.writes);
  });

  it("costs no total time: all of the budget is used by the time the refill alone would allow it", () => {
    // 5,000 writes need at least 100 s (3,000 at once, then 20/s); paced, they are granted by then too.
    const sent = spend(withInstances(2), 101_000);
    expect(sent.length * batch.writes).toBeGreaterThanOrEqual(5_000);
  });
});

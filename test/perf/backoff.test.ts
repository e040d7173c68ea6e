import { afterEach, describe, expect, it } from "vitest";
import { DOCUMENTED_LIMITS, scaledLimits } from "../../shared/graph/budgetModel.js";
import { TenantThrottle } from "../../shared/graph/throttle.js";
import { devices, fakeClock, guid, seedOf, startHarness, type GraphHarness } from "../graph/graphFixtures.js";

let harness: GraphHarness | undefined;
afterEach(async () => {
  await harness?.tenant.close();
  harness = undefined;
});

describe("429 back-off", () => {
  it("waits exactly the Retry-After Graph sent before the throttled write goes out again", async () => {
    const pcs = devices(60);
    const groupId = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Fleet" }], devices: pcs }));
    const h = harness;
    h.tenant.faults.add({ service: "graph", method: "PATCH", insideBatch: true, status: 429, retryAfterSeconds: 11, times: 1 });
    const sentAt: number[] = [];
    h.tenant.onRequest((event) => void (event.method === "PATCH" && sentAt.push(h.clock.now())));

    const result = await h.provider.open(null).addMembers(
      groupId,
      pcs.map((d) => d.id),
    );

    expect(result.done).toHaveLength(60);
    expect(h.clock.sleeps).toEqual([11_000]);
    // Three PATCHes in the first batch (one refused), then the refused one alone, 11 s later.
    expect(sentAt).toHaveLength(4);
    expect((sentAt[3] ?? 0) - (sentAt[0] ?? 0)).toBe(11_000);
  });

  it("under Graph's write budget never has more writes accepted than the budget allows for the time that passed", async () => {
    const pcs = devices(1_200);
    const groupId = guid();
    // ×0.01: 30 writes per 2.5 min for the app in this tenant, 180 per 5 min for the tenant. The engine is told the
    // budget (learning one it does not know is test/graph/pacing.test.ts). One request at a time: the fake clock
    // jumps when any caller sleeps, so with several in flight a request would reach Graph "later" than it was sent.
    const budgetLimits = scaledLimits(DOCUMENTED_LIMITS, 1 / 100);
    harness = await startHarness(
      seedOf({ groups: [{ id: groupId, displayName: "Fleet" }], devices: pcs }),
      { budgetLimits, maxConcurrency: 1 },
      { throttle: { scale: 0.01 } },
    );
    const h = harness;
    const started = h.clock.now();
    const directory = h.provider.open(null);

    const result = await directory.addMembers(
      groupId,
      pcs.map((d) => d.id),
    );

    const elapsed = h.clock.now() - started;
    const accepted = h.tenant.requestLog.filter((e) => e.kind === "write" && e.status !== 429).length;
    expect(result.done).toHaveLength(1_200);
    expect(accepted).toBe(60);
    // The bucket starts with 30 and refills 30 per 150 s: 60 writes need at least 150 s, and the waits Graph asked
    // for were honoured, so the run took no less than that (and not much more).
    expect(elapsed).toBeGreaterThanOrEqual(h.tenant.minimalWriteTimeMs(accepted));
    expect(elapsed).toBeLessThanOrEqual(1.2 * h.tenant.minimalWriteTimeMs(accepted) + 10_000);
  });
});

describe("adaptive concurrency", () => {
  it("halves the requests in flight on a 429 (once per throttle window) and grows them back one at a time", async () => {
    const clock = fakeClock();
    const throttle = new TenantThrottle(8, clock, 2);

    throttle.throttled(3_000);
    throttle.throttled(3_000);
    const afterBurst = throttle.concurrency;
    await throttle.acquire(); // waits out the 3 s every request of the tenant must wait
    throttle.release();
    throttle.throttled(1_000);
    const afterSecond = throttle.concurrency;
    const growth: number[] = [];
    for (let i = 0; i < 12; i++) {
      throttle.succeeded();
      growth.push(throttle.concurrency);
    }

    expect(afterBurst).toBe(4);
    expect(clock.sleeps).toEqual([3_000]);
    expect(afterSecond).toBe(2);
    expect(growth).toEqual([2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8]);
  });

  it("lets no more requests in flight than the current limit", async () => {
    const clock = fakeClock();
    const throttle = new TenantThrottle(4, clock);
    throttle.throttled(0);
    const admitted: number[] = [];

    const first = await throttle.acquire();
    const second = await throttle.acquire();
    const third = throttle.acquire().then(() => admitted.push(3));
    await Promise.resolve();
    const waitingWhileFull = admitted.length;
    throttle.release();
    await third;

    expect([first, second]).toEqual([{ admitted: true }, { admitted: true }]);
    expect(waitingWhileFull).toBe(0);
    expect(admitted).toEqual([3]);
  });
});

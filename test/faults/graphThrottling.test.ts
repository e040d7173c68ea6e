import { describe, expect, it } from "vitest";
import { range } from "../support/fixtures.js";
import { expectCleanEnd, type Prepare } from "./support/oracle.js";
import { worldsPerTest } from "./support/worlds.js";
import { workerQueue } from "./support/workerQueue.js";
import { TIME_BUDGET_MS, type Scenario } from "./support/world.js";

const worlds = worldsPerTest();

const nothing: Prepare = async () => {};

/** Mirror after a first clean sync of 1..60; then 10 devices leave and 20 arrive (under every guard). */
const mirrorChurn: Scenario = { mode: "mirror", collection: range(1, 60), others: range(61, 80) };
const churn: Prepare = async (w) => {
  expect((await w.run()).status).toBe("succeeded");
  w.setCollection([...range(11, 60), ...range(61, 80)]);
};

describe("a Graph 429 storm whose Retry-After outlasts the time budget", () => {
  it.each([60, 180, 300])(
    "ends the run rescheduled with retryAfterMs %i s, and the worker's scheduled retry finishes the job once the storm passes",
    async (retryAfterSeconds) => {
      const scenario: Scenario = { mode: "additive", collection: range(1, 100) };
      const { reference, world } = await worlds.startWithReference(scenario, nothing);
      const worker = workerQueue(world);
      const storm = world.fault({ service: "graph", method: "PATCH", status: 429, retryAfterSeconds });
      const startedAt = world.clock.now();

      await worker.tick();

      const [first] = worker.outcomes;
      expect(first?.kind).toBe("rescheduled");
      if (first?.kind !== "rescheduled") return;
      expect(first.run.status).toBe("rescheduled");
      expect(first.run.retryAfterMs).toBe(retryAfterSeconds * 1000);
      // It stopped waiting inside its budget instead of sleeping past the function's timeout.
      expect(world.clock.now() - startedAt).toBeLessThanOrEqual(TIME_BUDGET_MS);
      expect(first.next).toMatchObject({ trigger: "retry", attempt: 1, jobId: expect.stringMatching(/_r1$/) });
      expect(worker.queue.scheduled()).toEqual([{ job: first.next, at: world.clock.now() + retryAfterSeconds * 1000 }]);
      expect(world.members().size).toBe(0);

      storm.remove();
      world.clock.advance(retryAfterSeconds * 1000);
      await worker.deliverDue();

      expect(worker.outcomes[1]).toMatchObject({ kind: "completed", run: { status: "succeeded", trigger: "retry" } });
      await expectCleanEnd(`429 storm Retry-After ${retryAfterSeconds} s`, world, reference, 0);
    },
  );

  it("defers throttled removals in mirror mode, keeps what it did, and the retry removes exactly the rest", async () => {
    const { reference, world, from } = await worlds.startWithReference(mirrorChurn, churn);
    const worker = workerQueue(world);
    const storm = world.fault({ service: "graph", method: "DELETE", status: 429, retryAfterSeconds: 240 });

    await worker.tick();

    expect(worker.outcomes[0]).toMatchObject({ kind: "rescheduled", run: { status: "rescheduled", retryAfterMs: 240_000, counts: { added: 20, removed: 0 } } });
    storm.remove();
    world.clock.advance(240_000);
    await worker.deliverDue();

    expect(worker.outcomes[1]).toMatchObject({ kind: "completed", run: { status: "succeeded", counts: { removed: 10 } } });
    await expectCleanEnd("429 storm on removals (mirror)", world, reference, from);
  });

  it("waits out a short storm inside the budget and finishes in one run", async () => {
    const scenario: Scenario = { mode: "managed", collection: range(1, 100) };
    const { reference, world } = await worlds.startWithReference(scenario, nothing);
    world.fault({ service: "graph", method: "PATCH", status: 429, retryAfterSeconds: 90, times: 12 });

    const run = await world.run();

    expect(run.status).toBe("succeeded");
    expect(run.throttledWaitMs).toBeGreaterThanOrEqual(90_000);
    await expectCleanEnd("short 429 storm waited out", world, reference, 0);
  });
});

describe("slow Graph answers past the time budget", () => {
  it("starts no write batch after the budget is spent: the rest is re-scheduled, not written by a function about to be stopped", async () => {
    const scenario: Scenario = { mode: "additive", collection: range(1, 900) };
    const { reference, world: w } = await worlds.startWithReference(scenario, nothing, { maxConcurrency: 1 });
    const worker = workerQueue(w);
    // Every member write takes a (fake) minute: a $batch of 20 PATCHes takes 20 minutes, the budget is 25.
    let slowWrites = 0;
    w.tenant.onRequest((event) => {
      if (event.method !== "PATCH") return;
      slowWrites += 1;
      w.clock.advance(60_000);
    });

    await worker.tick();

    // Batch 1 starts at 0 min, batch 2 at 20 min (inside the budget); batch 3 would start at 40 min: not sent.
    // Nothing to wait for, so the retry is scheduled at once: a new invocation with a fresh budget.
    expect(worker.outcomes[0]).toMatchObject({ kind: "rescheduled", run: { status: "rescheduled", retryAfterMs: 0, counts: { added: 800 } } });
    expect(worker.outcomes[1]).toMatchObject({ kind: "completed", run: { status: "succeeded", trigger: "retry", counts: { added: 100 } } });
    expect(w.graphCalls("PATCH", "/groups/")).toBe(45);
    w.countFault(slowWrites);
    await expectCleanEnd("slow answers past the time budget", w, reference, 0);
  });
});

import { describe, expect, it } from "vitest";
import { mappingKeyOf } from "../../shared/core/ids.js";
import type { Mapping } from "../../shared/core/mapping.js";
import { createInProcessJobQueue } from "../../shared/queue/inProcessJobQueue.js";
import type { SyncJob } from "../../shared/core/syncJob.js";
import { planScheduledJobs } from "../../shared/scheduling/planScheduledJobs.js";
import { scheduledJobId } from "../../shared/core/syncJob.js";
import type { MappingStateStore } from "../../shared/core/ports/mappingState.js";
import { initialState } from "../../shared/core/ports/mappingState.js";
import { freshStores } from "../storage/freshStores.js";
import { fakeClock } from "./fakeClock.js";
import { logRecorder } from "./logRecorder.js";
import { newMapping } from "./mappingFixtures.js";

const TICK = new Date("2025-03-10T09:05:00.000Z");

/** Real tables, a real in-process queue recording what its worker would receive. */
function setup() {
  const stores = freshStores();
  const clock = fakeClock(TICK.getTime());
  const log = logRecorder();
  const delivered: SyncJob[] = [];
  const queue = createInProcessJobQueue({ clock, log, concurrency: 8, handler: async (job) => void delivered.push(job) });
  const deps = { mappings: stores.mappings, state: stores.state, queue, clock, log };
  return { stores, clock, log, queue, delivered, deps };
}

async function createMappings(store: { create(m: ReturnType<typeof newMapping>): Promise<Mapping> }, count: number, overrides = {}) {
  const created: Mapping[] = [];
  for (let i = 0; i < count; i += 50) {
    const wave = Array.from({ length: Math.min(50, count - i) }, () => store.create(newMapping(overrides)));
    created.push(...(await Promise.all(wave)));
  }
  return created;
}

describe("scheduler", () => {
  it("queues one job per enabled mapping and skips leased, quarantined and disabled ones", async () => {
    const { stores, deps, queue, delivered, clock } = setup();
    const due = await createMappings(stores.mappings, 3);
    const [leased, quarantined, expiredLease] = await createMappings(stores.mappings, 3);
    await createMappings(stores.mappings, 2, { enabled: false });
    if (leased === undefined || quarantined === undefined || expiredLease === undefined) throw new Error("setup failed");
    await stores.state.acquireLease(mappingKeyOf(leased), "worker-7", 10 * 60_000, clock.now() - 60_000);
    await stores.state.acquireLease(mappingKeyOf(expiredLease), "worker-dead", 10 * 60_000, clock.now() - 11 * 60_000);
    await stores.state.save({ ...initialState(mappingKeyOf(quarantined)), health: "quarantined", consecutiveFailures: 10 });

    const result = await planScheduledJobs(deps, TICK);
    await queue.drain();

    expect(result).toEqual({ planned: 4, skippedLeased: 1, skippedQuarantined: 1, skippedDisabled: 0, sent: 4 });
    const expected = [...due, expiredLease].map((m) => mappingKeyOf(m)).sort();
    expect(delivered.map((job) => mappingKeyOf(job)).sort()).toEqual(expected);
    for (const job of delivered) {
      expect(job).toMatchObject({ jobId: `${mappingKeyOf(job)}_202503100905`, trigger: "schedule", attempt: 0, enqueuedAt: TICK.toISOString() });
    }
  });

  it("sends each job once when it runs twice in the same tick", async () => {
    const { stores, deps, queue, delivered, clock } = setup();
    await createMappings(stores.mappings, 5);

    await planScheduledJobs(deps, TICK);
    clock.advance(20_000);
    const second = await planScheduledJobs(deps, new Date(TICK.getTime() + 20_000));
    await queue.drain();

    expect(second.sent).toBe(5); // the send succeeds, as on Service Bus …
    expect(delivered).toHaveLength(5); // … but duplicate detection drops the copies
  });

  it("plans the mappings again at the next tick", async () => {
    const { stores, deps, queue, delivered, clock } = setup();
    await createMappings(stores.mappings, 2);
    await planScheduledJobs(deps, TICK);
    clock.advance(5 * 60_000);
    await planScheduledJobs(deps, new Date(clock.now()));
    await queue.drain();
    expect(delivered).toHaveLength(4);
  });

  it("plans 1,000 mappings from one paged listing of their states, not a read per mapping", async () => {
    const { stores, deps, queue, delivered, clock } = setup();
    const created = await createMappings(stores.mappings, 1000);
    for (const mapping of created.slice(0, 10)) await stores.state.acquireLease(mappingKeyOf(mapping), "worker-3", 10 * 60_000, clock.now());
    const counting = countingStates(stores.state);

    const result = await planScheduledJobs({ ...deps, state: counting.store }, TICK);
    await queue.drain();

    expect(result).toEqual({ planned: 990, skippedLeased: 10, skippedQuarantined: 0, skippedDisabled: 0, sent: 990 });
    expect(new Set(delivered.map((job) => job.jobId)).size).toBe(990);
    expect(counting.reads).toBe(0);
    expect(counting.listings).toBe(1);
  });

  it("reads the states several at a time where the store cannot list them", async () => {
    const { stores, deps, queue, delivered } = setup();
    await createMappings(stores.mappings, 1000);
    const counting = countingStates({ ...stores.state, listSchedulingStates: undefined });

    const result = await planScheduledJobs({ ...deps, state: counting.store }, TICK);
    await queue.drain();

    expect(result.planned).toBe(1000);
    expect(new Set(delivered.map((job) => job.jobId)).size).toBe(1000);
    expect(counting.reads).toBe(1000);
    expect(counting.mostInFlight).toBeGreaterThan(1);
    expect(counting.mostInFlight).toBeLessThanOrEqual(16);
  });

  it("still queues a mapping whose state cannot be read, and says so", async () => {
    const { stores, deps, queue, delivered, log } = setup();
    const [mapping] = await createMappings(stores.mappings, 1);
    const broken: MappingStateStore = {
      ...stores.state,
      get: async () => Promise.reject(new Error("ServiceUnavailable")),
      listSchedulingStates: async function* () {
        yield* [];
        throw new Error("ServiceUnavailable");
      },
    };

    const result = await planScheduledJobs({ ...deps, state: broken }, TICK);
    await queue.drain();

    expect(result.planned).toBe(1);
    expect(delivered.map((job) => job.groupId)).toEqual([mapping?.groupId]);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: "warn", properties: expect.objectContaining({ error: "ServiceUnavailable" }) }));
  });

  it("names jobs by mapping key and the tick's UTC minute", () => {
    expect(scheduledJobId("PS100012_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5", new Date("2025-12-31T23:59:59.999Z"))).toBe(
      "PS100012_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5_202512312359",
    );
  });
});

/** Wraps the real state table to count reads, listings, and how many reads were in flight at once. */
function countingStates(store: MappingStateStore) {
  const counter = { reads: 0, listings: 0, inFlight: 0, mostInFlight: 0, store };
  const list = store.listSchedulingStates?.bind(store);
  counter.store = {
    ...store,
    listSchedulingStates:
      list === undefined
        ? undefined
        : () => {
            counter.listings += 1;
            return list();
          },
    get: async (key) => {
      counter.reads += 1;
      counter.inFlight += 1;
      counter.mostInFlight = Math.max(counter.mostInFlight, counter.inFlight);
      try {
        return await store.get(key);
      } finally {
        counter.inFlight -= 1;
      }
    },
  };
  return counter;
}

import { describe, expect, it } from "vitest";
import { processSyncJob } from "../../shared/scheduling/processSyncJob.js";
import { silentLogger } from "../../shared/logger.js";
import type { SyncDeps } from "../../shared/sync/syncDeps.js";
import { syncMapping } from "../../shared/sync/syncMapping.js";
import type { SyncRun } from "../../shared/core/syncRun.js";
import { range } from "../support/fixtures.js";
import { killSwitch, WorkerKilled } from "./support/killSwitch.js";
import { expectCleanEnd, type Prepare } from "./support/oracle.js";
import { worldsPerTest } from "./support/worlds.js";
import { scheduledJob } from "./support/workerQueue.js";
import { MAPPING_KEY, TIME_BUDGET_MS, type FaultWorld, type Scenario } from "./support/world.js";

const worlds = worldsPerTest();

const LEASE_MS = TIME_BUDGET_MS + 60_000;
const first: Prepare = async () => {};
/** First clean sync, then some members leave and others arrive (within every guard). */
function churnTo(collection: readonly number[]): Prepare {
  return async (w) => {
    expect((await w.run()).status).toBe("succeeded");
    w.setCollection(collection);
  };
}

/** One delivery of the job on a host: the worker as the Functions app runs it (processSyncJob → syncMapping). */
async function deliver(w: FaultWorld, deps: SyncDeps, job = scheduledJob(w.clock.now())): Promise<SyncRun> {
  const outcome = await processSyncJob({ runSync: (request) => syncMapping(deps, request), queue: noQueue, clock: w.clock, log: silentLogger }, job);
  if (outcome.kind === "malformed") throw new Error("malformed job");
  return outcome.run;
}
const noQueue = { send: async () => {}, schedule: async () => {}, deadLetterCount: async () => 0 };

const writesSince = (w: FaultWorld, from: number) => w.tenant.requestLog.filter((e) => e.seq > from && e.kind === "write" && e.status < 300).length;

describe("the same job delivered twice", () => {
  const scenario: Scenario = { mode: "mirror", collection: range(1, 120), others: range(121, 140) };
  const prepare = churnTo(range(11, 140));

  it("one after the other: the second delivery changes nothing and writes nothing", async () => {
    const { reference, world, from } = await worlds.startWithReference(scenario, prepare);
    const job = scheduledJob(world.clock.now());

    const once = await deliver(world, world.worker(), job);
    const writes = writesSince(world, from);
    const twice = await deliver(world, world.worker(), job);

    expect(once.status).toBe("succeeded");
    expect(twice.status).toBe("skipped-unchanged");
    expect(writesSince(world, from)).toBe(writes);
    world.countFault();
    await expectCleanEnd("job delivered twice in a row (mirror)", world, reference, from);
  });

  it("at the same time on two hosts: one runs, the other sees the lease and stops", async () => {
    const { reference, world, from } = await worlds.startWithReference(scenario, prepare);
    const job = scheduledJob(world.clock.now());

    const runs = await Promise.all([deliver(world, world.worker(), job), deliver(world, world.worker(), job)]);

    expect(runs.map((r) => r.status).sort()).toEqual(["skipped-leased", "succeeded"]);
    expect(writesSince(world, from)).toBe(10 + 1); // 10 removals, one PATCH of 20 members
    world.countFault();
    await expectCleanEnd("job delivered twice at once (mirror)", world, reference, from);
  });

  it("two different jobs (the tick's and an admin's sync-now) on two hosts at once end like one run (managed)", async () => {
    const managed: Scenario = { ...scenario, mode: "managed", handAdded: range(901, 905) };
    const { reference, world, from } = await worlds.startWithReference(managed, prepare);
    const manual = { ...scheduledJob(world.clock.now()), jobId: `${MAPPING_KEY}_manual_1`, trigger: "manual" as const };

    const runs = await Promise.all([deliver(world, world.worker()), deliver(world, world.worker(), manual)]);

    expect(runs.map((r) => r.status).sort()).toEqual(["skipped-leased", "succeeded"]);
    world.countFault();
    await expectCleanEnd("two workers at once (managed)", world, reference, from);
  });
});

describe("a worker killed after half its writes, then the job replayed", () => {
  /** Runs the job on a host that dies at the `at`-th member write of `method`; returns the dead run's promise. */
  async function killedRun(w: FaultWorld, method: "PATCH" | "DELETE", at: number): Promise<void> {
    const kill = killSwitch(w.clock);
    let writes = 0;
    const stop = w.tenant.onRequest((event) => {
      if (event.method !== method) return;
      writes += 1;
      if (writes === at) kill.kill();
    });
    const deps = w.worker({ maxConcurrency: 1, clock: kill.clock, wrap: kill.wrap });
    await expect(deliver(w, deps)).rejects.toBeInstanceOf(WorkerKilled);
    stop();
    w.countFault();
  }

  /** Redelivered while the dead worker's lease holds: nothing happens; after it expires the replay finishes the job. */
  async function replay(w: FaultWorld): Promise<void> {
    expect((await deliver(w, w.worker())).status).toBe("skipped-leased");
    w.clock.advance(LEASE_MS);
    const replayed = await deliver(w, w.worker());
    expect(replayed.status).toBe("succeeded");
  }

  it("additive: 900 members, killed in the middle of the second of three write batches", async () => {
    const scenario: Scenario = { mode: "additive", collection: range(1, 900) };
    const { reference, world } = await worlds.startWithReference(scenario, first);
    await killedRun(world, "PATCH", 30);
    expect(world.members().size).toBe(800); // batches 1 and 2 were on the wire; batch 3 never left
    await replay(world);
    await expectCleanEnd("worker killed mid-adds, replayed (additive)", world, reference, 0);
  });

  it("managed: killed after its adds landed, before it could record them; the replay still owns them", async () => {
    const scenario: Scenario = { mode: "managed", collection: range(1, 300), others: range(301, 330), handAdded: range(901, 905) };
    const prepare = churnTo(range(31, 330));
    const { reference, world, from } = await worlds.startWithReference(scenario, prepare);
    await killedRun(world, "PATCH", 2);
    await replay(world);
    await expectCleanEnd("worker killed after adds, replayed (managed)", world, reference, from);
    // What the replay recorded as ours is what a later change may remove: the 30 members the dead worker added.
    world.setCollection(range(61, 300));
    expect((await world.run()).counts.removed).toBe(60);
  });

  it("mirror: killed in the middle of its removals", async () => {
    const scenario: Scenario = { mode: "mirror", collection: range(1, 400) };
    const prepare = churnTo(range(41, 400));
    const { reference, world, from } = await worlds.startWithReference(scenario, prepare);
    await killedRun(world, "DELETE", 25);
    expect(world.members().size).toBeLessThan(400);
    await replay(world);
    await expectCleanEnd("worker killed mid-removals, replayed (mirror)", world, reference, from);
  });
});

describe("a lease that expires while its run is still going", () => {
  it("lets a second worker take over; the first stops before sending removals the second already made (managed)", async () => {
    const scenario: Scenario = { mode: "managed", collection: range(1, 300), others: range(301, 330), handAdded: range(901, 905) };
    const prepare = churnTo(range(31, 330));
    const { reference, world: w, from } = await worlds.startWithReference(scenario, prepare);
    let takeover: SyncRun | undefined;
    let expired = false;
    const stop = w.tenant.onRequest(async (event) => {
      if (expired || event.method !== "PATCH") return;
      expired = true;
      // The first worker's writes are slow: its lease runs out, and the next tick's worker takes the mapping over.
      w.clock.advance(LEASE_MS + 1);
      takeover = await deliver(w, w.worker({ maxConcurrency: 2 }));
    });

    const slow = await deliver(w, w.worker({ maxConcurrency: 1 }));
    stop();
    w.countFault();

    expect(takeover?.status).toBe("succeeded");
    // Its time budget ended before its lease did: past it, the slow worker starts no write at all.
    expect(slow).toMatchObject({ status: "rescheduled", counts: { removed: 0 } });
    expect((await w.stores.state.get(MAPPING_KEY)).lease).toBeNull();
    const verdict = await expectCleanEnd("lease expired mid-run, second worker took over (managed)", w, reference, from);
    expect(verdict.duplicateRemovals).toBe(0);
  });
});

/**
 * S4's second step: what the jobs of one scheduler tick cost when none of the mappings changed. `mappings` mappings,
 * each a small collection and its own group, are synced once (so each is synced and unchanged), then one tick plans
 * their jobs onto the in-process queue and the worker runs them all through `processSyncJob` and the real engine,
 * as `serve` does. What is judged is what the simulated tenant saw: at most one Graph request (the group delta)
 * and one AdminService request (`SMS_Collection`) per mapping, and every run `skipped-unchanged`.
 */
import pMap from "p-map";
import { silentLogger } from "../shared/logger.js";
import { mappingKeyOf, type MappingRef } from "../shared/core/ids.js";
import { systemClock } from "../shared/core/ports/clock.js";
import type { RunStatus } from "../shared/core/syncRun.js";
import { createInProcessJobQueue } from "../shared/queue/inProcessJobQueue.js";
import type { EmbeddedAzurite } from "../shared/storage/embeddedAzurite.js";
import { planScheduledJobs } from "../shared/scheduling/planScheduledJobs.js";
import { processSyncJob } from "../shared/scheduling/processSyncJob.js";
import { syncMapping } from "../shared/sync/syncMapping.js";
import { benchMapping, createEngine, siteOf, type Engine } from "./benchRig.js";
import { startCountingProxy } from "./countingProxy.js";
import { figuresOf, type ScenarioFigures, type Target } from "./figures.js";
import { sampleMemory } from "./memorySampler.js";
import type { BenchOptions } from "./options.js";
import { startRemoteTenant } from "./remoteTenant.js";
import { UNCHANGED_MAPPING_DEVICES } from "./seeds.js";
import { unchangedTargets } from "./targets.js";

/** Mappings created, and first syncs run, at once while setting up (not measured). */
const SETUP_IN_FLIGHT = 32;
/** Mappings given a real first sync while setting up; the others take the state those left (bringToUnchanged). */
const REAL_FIRST_SYNCS = 1_000;
/**
 * Graph requests in flight during the first syncs: enough that they are bound by Graph's read budget rather than
 * by latency. The measured step uses the product's GRAPH_MAX_CONCURRENCY (`--concurrency`).
 */
const SETUP_GRAPH_CONCURRENCY = 32;

export interface UnchangedResult {
  readonly figures: ScenarioFigures;
  readonly targets: Target[];
  readonly notes: string[];
}

export async function runUnchangedScenario(azurite: EmbeddedAzurite, options: BenchOptions, progress: (message: string) => void): Promise<UnchangedResult> {
  const n = options.mappings;
  progress(`S4 unchanged runs: ${n} mappings of ${UNCHANGED_MAPPING_DEVICES} devices, each with its own group…`);
  const tenant = await startRemoteTenant("unchanged", options);
  const tables = await startCountingProxy(azurite);
  try {
    const site = siteOf(tenant, tables.connectionString, "benchunchanged", options.graphConcurrency);
    const setup = createEngine({ ...site, graphConcurrency: SETUP_GRAPH_CONCURRENCY });
    await tenant.resetCounters();
    tables.reset();
    const setupStarted = performance.now();
    const { real } = await bringToUnchanged(setup, tenant.fleet);
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const setupCounters = await tenant.counters();
    const setupCost = `${perMapping(setupCounters.graphHttpRequests, n)} Graph, ${perMapping(setupCounters.adminServiceRequests, n)} AdminService, ${perMapping(tables.requests, n)} Table Storage requests per mapping`;
    progress(`S4 unchanged runs: ${n} mappings synced in ${setupSeconds.toFixed(0)} s; one tick and its ${n} jobs…`);

    // A fresh app instance runs the tick and the jobs, as the next timer invocation would.
    const engine = createEngine(site);
    const statuses: RunStatus[] = [];
    const queue = createInProcessJobQueue({
      clock: systemClock,
      log: silentLogger,
      // One instance's host.json maxConcurrentCalls.
      concurrency: options.jobsPerWorker,
      handler: async (job) => {
        const outcome = await processSyncJob({ runSync: (request) => syncMapping(engine.deps, request), queue, clock: systemClock, log: silentLogger }, job);
        if (outcome.kind !== "malformed") statuses.push(outcome.run.status);
      },
    });
    await tenant.resetCounters();
    engine.watch.reset();
    tables.reset();
    const memory = sampleMemory();
    const started = performance.now();
    let peak: { rssMiB: number; heapMiB: number };
    try {
      await planScheduledJobs({ mappings: engine.stores.mappings, state: engine.stores.state, queue, clock: systemClock, log: silentLogger }, new Date());
      await queue.drain();
    } finally {
      peak = memory.stop();
      await queue.close();
    }
    const wallMs = performance.now() - started;
    const figures = figuresOf(await tenant.counters(), {
      wallMs: Math.round(wallMs),
      writePhaseMs: 0,
      throttleMinMs: 0,
      peakRssMiB: peak.rssMiB,
      peakHeapMiB: peak.heapMiB,
      resolutionRequests: engine.watch.resolutionRequests,
      tableRequests: tables.requests,
    });
    const ran = tally(statuses);
    const skipped = ran.get("skipped-unchanged") ?? 0;
    return {
      figures,
      targets: unchangedTargets(figures, n, skipped),
      notes: [
        `S4 unchanged runs: ${n} mappings of ${UNCHANGED_MAPPING_DEVICES} devices each, groups seeded with their devices; set up (not measured) in ${setupSeconds.toFixed(0)} s, ${setupCost}: ${real} real first syncs (they only read), ${n - real} mappings given the state those left, with their own group's delta link and members; the tick and its ${n} jobs (${options.jobsPerWorker} at once, GRAPH_MAX_CONCURRENCY ${options.graphConcurrency}) took ${(wallMs / 1000).toFixed(1)} s: per mapping ${perMapping(figures.graphRequests, n)} Graph, ${perMapping(figures.adminServiceRequests, n)} AdminService, ${perMapping(figures.tableRequests ?? 0, n)} Table Storage requests; runs: ${describe(ran)}.`,
        ...warningsOf(engine.warnings),
      ],
    };
  } finally {
    await tables.close();
    await tenant.close();
  }
}

/**
 * Brings every mapping to "synced, unchanged". The first REAL_FIRST_SYNCS mappings get a real first sync through the
 * engine. The others are given the state those left, through the product's own stores and Graph adapter: the same
 * watermark (all collections have the same size, change time and mapping settings), and a group snapshot of their
 * own group (its members of the mapping's type and a fresh delta link), as a first sync stores it. 10,000 real
 * first syncs would take some 12 minutes of this 2-core machine (about 30 Table Storage requests each, against the
 * in-process Azurite); the measured runs show whether a given state was a real one: one that was not would not skip.
 */
async function bringToUnchanged(setup: Engine, fleet: readonly MappingRef[]): Promise<{ real: number }> {
  await setup.stores.ping();
  await pMap(fleet, (ref) => setup.stores.mappings.create(benchMapping(ref.collectionId, ref.groupId)), { concurrency: SETUP_IN_FLIGHT });
  const synced = fleet.slice(0, REAL_FIRST_SYNCS);
  const first = tally(
    await pMap(synced, async (ref) => (await syncMapping(setup.deps, { ...ref, trigger: "schedule" })).status, { concurrency: SETUP_IN_FLIGHT }),
  );
  if ((first.get("succeeded") ?? 0) !== synced.length) throw new Error(`S4: the first syncs did not all succeed: ${describe(first)}`);
  const template = await setup.stores.state.get(mappingKeyOf(synced[0] ?? { collectionId: "", groupId: "" }));
  if (template.watermark === null) throw new Error("S4: a first sync left no watermark");
  const directory = setup.deps.directories.open(null);
  const snapshots = setup.stores.state.snapshots;
  if (snapshots === undefined) throw new Error("S4: the state store keeps no group snapshots");
  await pMap(
    fleet.slice(synced.length),
    async (ref) => {
      const mappingKey = mappingKeyOf(ref);
      // The link is taken before the listing, as the engine's first read of a group does.
      const { token } = await directory.membershipToken(ref.groupId, null);
      const members = await directory.listMemberIds(ref.groupId, "device");
      if (token === null) throw new Error(`S4: no delta link for group ${ref.groupId}`);
      const generation = await snapshots.write(mappingKey, members);
      await setup.stores.state.save({
        ...template,
        mappingKey,
        lease: null,
        lastRun: null,
        lastChange: null,
        groupSnapshot: { generation, count: members.size, token, fullReadAt: Date.now() },
        etag: null,
      });
    },
    { concurrency: SETUP_IN_FLIGHT },
  );
  return { real: synced.length };
}

function tally(statuses: readonly RunStatus[]): Map<RunStatus, number> {
  const counts = new Map<RunStatus, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return counts;
}

function describe(counts: ReadonlyMap<RunStatus, number>): string {
  return [...counts].map(([status, count]) => `${count} ${status}`).join(", ") || "none";
}

function perMapping(requests: number, mappings: number): string {
  return (requests / Math.max(1, mappings)).toFixed(2);
}

function warningsOf(warnings: ReadonlyMap<string, number>): string[] {
  return [...warnings].map(([message, count]) => `S4 unchanged runs: engine warned ${count}× "${message}"`);
}

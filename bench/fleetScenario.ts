/**
 * S5: many app instances sharing one tenant's Graph budget. `workers` processes (workerHost.ts), each one app
 * instance running up to `jobsPerWorker` jobs at once (host.json `maxConcurrentCalls`), sync `fleetMappings`
 * mappings of `fleetDevices` new devices each, all queued at once as a timer tick queues them. What is judged is
 * what the tenant sees: the writes of every instance together against the budget, the 429s they drew, and
 * whether any mapping was starved while the others finished.
 */
import { fork } from "node:child_process";
import type { EmbeddedAzurite } from "../shared/storage/embeddedAzurite.js";
import { createTableStores } from "../shared/storage/tableStores.js";
import { benchMapping, siteOf, type EngineSite } from "./benchRig.js";
import { figuresOf, type ScenarioFigures } from "./figures.js";
import type { BenchOptions } from "./options.js";
import { ipcCaller, startRemoteTenant } from "./remoteTenant.js";
import type { JobOutcome, WorkerRequest, WorkerStats } from "./workerProtocol.js";

export interface FleetResults {
  readonly S5: ScenarioFigures;
  /** Each mapping's time from being queued to its run's end, ms. */
  readonly mappingMs: readonly number[];
  readonly checks: { name: string; passed: boolean }[];
  readonly warnings: Map<string, number>;
}

interface Worker {
  sync(job: { collectionId: string; groupId: string }): Promise<JobOutcome>;
  stats(): Promise<WorkerStats>;
  close(): Promise<void>;
}

export async function runFleetScenario(azurite: EmbeddedAzurite, options: BenchOptions): Promise<FleetResults> {
  const tenant = await startRemoteTenant("fleet", options);
  const workers: Worker[] = [];
  try {
    const site: EngineSite = {
      ...siteOf(tenant, azurite.connectionString, "benchfleet", options.graphConcurrency),
      // Eight engines share one embedded Azurite on the bench machine's cores: it answers far slower than Table
      // Storage does, and what S5 measures is Graph, not the emulator.
      tableTimeoutMs: 120_000,
    };
    const stores = createTableStores({ connectionString: azurite.connectionString }, { tablePrefix: site.tablePrefix });
    // The tables exist before the instances start, as they do in a deployed app after its first run.
    await stores.ping();
    for (const { collectionId, groupId } of tenant.fleet) await stores.mappings.create(benchMapping(collectionId, groupId));
    for (let i = 0; i < options.workers; i++) workers.push(await startWorker(site));

    await tenant.resetCounters();
    const firstSeq = await tenant.lastSeq();
    const queue = [...tenant.fleet];
    const outcomes: JobOutcome[] = [];
    const queuedAt = Date.now();
    // Each instance takes the next job whenever one of its slots is free: how Service Bus spreads a queue.
    const slots = workers.flatMap((worker) => Array.from({ length: options.jobsPerWorker }, () => worker));
    await Promise.all(
      slots.map(async (worker) => {
        for (let job = queue.shift(); job !== undefined; job = queue.shift()) outcomes.push(await worker.sync(job));
      }),
    );
    const wallMs = Date.now() - queuedAt;

    const stats = await Promise.all(workers.map((w) => w.stats()));
    const firsts = stats.flatMap((s) => (s.firstWriteAt === null ? [] : [s.firstWriteAt]));
    const lasts = stats.flatMap((s) => (s.lastWriteAt === null ? [] : [s.lastWriteAt]));
    const warnings = new Map<string, number>();
    for (const s of stats) for (const [message, count] of Object.entries(s.warnings)) warnings.set(message, (warnings.get(message) ?? 0) + count);
    const S5 = figuresOf(await tenant.counters(), {
      wallMs,
      writePhaseMs: firsts.length === 0 ? 0 : Math.max(...lasts) - Math.min(...firsts),
      throttleMinMs: Math.round(await tenant.minimalWriteTimeMs(await tenant.acceptedWrites(firstSeq))),
      peakRssMiB: null,
      peakHeapMiB: null,
      resolutionRequests: stats.reduce((sum, s) => sum + s.resolutionRequests, 0),
    });

    const sizes = await Promise.all(tenant.fleet.map((f) => tenant.groupSize(f.groupId)));
    const checks = [
      {
        name: `S5 ran all ${options.fleetMappings} mappings to success`,
        passed: outcomes.length === options.fleetMappings && outcomes.every((o) => o.status === "succeeded"),
      },
      { name: `S5 every group holds its ${options.fleetDevices} devices`, passed: sizes.every((n) => n === options.fleetDevices) },
    ];
    return { S5, mappingMs: outcomes.map((o) => o.finishedAt - queuedAt), checks, warnings };
  } finally {
    await Promise.allSettled(workers.map((w) => w.close()));
    await tenant.close();
  }
}

async function startWorker(site: EngineSite): Promise<Worker> {
  // Output to stderr: stdout carries only the bench's table or JSON document.
  const child = fork(new URL("./workerHost.js", import.meta.url), [], { stdio: ["ignore", 2, 2, "ipc"] });
  const call = ipcCaller<WorkerRequest>(child, "S5 worker");
  await call({ op: "start", site });
  return {
    sync: async (job) => (await call({ op: "sync", ...job })) as JobOutcome,
    stats: async () => (await call({ op: "stats" })) as WorkerStats,
    async close() {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      await call({ op: "close" });
      await exited;
    },
  };
}

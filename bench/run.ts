/**
 * `npm run bench`: the scale scenarios against the simulated tenant (latency and Graph's throttling
 * budget of docs/service-facts.md), embedded Azurite and the real adapters and engine, in this one process. Prints a table
 * (or one JSON document with `--json`) and exits 0 when every target holds, 1 otherwise. See docs/performance.md.
 */
import { cpus } from "node:os";
import { createTableStores } from "../shared/storage/tableStores.js";
import { tenantSizeFor } from "../simulator/index.js";
import { startAzurite, startRig } from "./benchRig.js";
import { startRemoteTenant } from "./remoteTenant.js";
import { runNaiveBaseline } from "./naiveBaseline.js";
import { parseOptions, runs, type BenchOptions } from "./options.js";
import { formatTable, type BenchReport } from "./report.js";
import { runFleetScenario } from "./fleetScenario.js";
import { runSchedulerScenario } from "./schedulerScenario.js";
import { runUnchangedScenario } from "./unchangedScenario.js";
import { runCollectorScenario } from "./collectorScenario.js";
import { runListScenario, runReportServingScenario } from "./consoleScenarios.js";
import { runPacingScenario } from "./pacingScenario.js";
import { runLatencyScenario } from "./latencyScenario.js";
import { runScaleScenario, scaleColumns } from "./scaleScenario.js";
import { startCountingProxy } from "./countingProxy.js";
import { runSyncScenarios, runUserScenarios } from "./syncScenarios.js";
import { judgeTargets, median } from "./targets.js";
import { passed, type ScenarioFigures, type Target } from "./figures.js";

async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv);
  const progress = (message: string) => {
    if (!options.json) process.stderr.write(`${message}\n`);
  };
  const started = performance.now();
  const azurite = await startAzurite();
  try {
    const notes: string[] = [];
    const scenarios: Record<string, ScenarioFigures> = {};
    const checks: Target[] = [];
    const warnings = new Map<string, number>();
    const naiveInfo: { factor: number; slice: number } = { factor: 0, slice: 0 };
    if (runs(options, "S1")) {
      progress(`Starting a simulated tenant of ${options.devices + options.withoutEntraId + options.hybrid + options.joining} devices…`);
      const tenant = await startRemoteTenant("sync", options);
      const rig = startRig(tenant, options, azurite, "benchsync");
      try {
        progress("S1–S3 and the naive baseline (side by side)…");
        // The naive slice has its own simulated tenant (own throttle budget) and mostly waits on latency, so it runs
        // beside S1–S3 to keep the bench short.
        const naive = runNaiveBaseline(options);
        naive.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
        const sync = await runSyncScenarios(rig, options);
        const baseline = await naive;
        Object.assign(scenarios, { S1: sync.S1, S2: sync.S2, S3: sync.S3, naiveS1: baseline.extrapolated });
        checks.push(...sync.checks.map((c) => passed(c.name, c.passed)));
        for (const [message, count] of rig.warnings) warnings.set(message, (warnings.get(message) ?? 0) + count);
        Object.assign(naiveInfo, { factor: baseline.factor, slice: baseline.sliceMembers });
        notes.push(
          `naive S1 is extrapolated linearly (×${baseline.factor.toFixed(1)}) from a measured slice of ${baseline.sliceMembers} members (${baseline.measured.graphRequests} Graph requests, ${(baseline.measured.wallMs / 1000).toFixed(1)} s); linear extrapolation ignores that its writes would also be throttled.`,
          `peak RSS is the bench process: engine, adapters and the embedded Azurite (with the naive slice's client running beside S1–S3); the simulated tenants run in child processes, as Microsoft's services are not in ours.`,
        );
      } finally {
        await tenant.close();
      }
    }
    if (runs(options, "S3u")) {
      progress(`S1u and S3u (a user collection of ${options.users} users)…`);
      const userTenant = await startRemoteTenant("users", options);
      try {
        const rig = startRig(userTenant, options, azurite, "benchusers");
        const users = await runUserScenarios(rig, options);
        Object.assign(scenarios, { S1u: users.S1u, S3u: users.S3u });
        checks.push(...users.checks.map((c) => passed(c.name, c.passed)));
        for (const [message, count] of rig.warnings) warnings.set(message, (warnings.get(message) ?? 0) + count);
      } finally {
        await userTenant.close();
      }
    }
    if (runs(options, "S4")) {
      progress("S4 scheduler tick…");
      const proxy = await startCountingProxy(azurite);
      const scheduler = await runSchedulerScenario(
        createTableStores({ connectionString: proxy.connectionString }, { tablePrefix: "benchsched" }),
        options.mappings,
        proxy,
      ).finally(() => proxy.close());
      scenarios["S4"] = scheduler.figures;
      checks.push(
        passed(`S4 planned and delivered ${options.mappings} jobs`, scheduler.planned === options.mappings && scheduler.delivered === options.mappings),
      );
      const unchanged = await runUnchangedScenario(azurite, options, progress);
      scenarios["S4u"] = unchanged.figures;
      checks.push(...unchanged.targets);
      notes.push(...unchanged.notes);
    }
    const fleetMappingMs: number[] = [];
    if (runs(options, "S5")) {
      progress(`S5: ${options.workers} worker processes, ${options.fleetMappings} mappings × ${options.fleetDevices} new devices, one tenant…`);
      const fleet = await runFleetScenario(azurite, options);
      scenarios["S5"] = fleet.S5;
      fleetMappingMs.push(...fleet.mappingMs);
      checks.push(...fleet.checks.map((c) => passed(c.name, c.passed)));
      for (const [message, count] of fleet.warnings) warnings.set(message, (warnings.get(message) ?? 0) + count);
      const sorted = [...fleet.mappingMs].sort((a, b) => a - b);
      notes.push(
        `S5 mapping times (queued → done): fastest ${seconds(sorted[0] ?? 0)}, median ${seconds(median(sorted))}, slowest ${seconds(sorted.at(-1) ?? 0)}; ${options.workers} processes × ${options.jobsPerWorker} jobs at once, each with its own Graph client (GRAPH_MAX_CONCURRENCY ${options.graphConcurrency}), sharing the tenant's budget row in Table Storage.`,
      );
    }
    if (runs(options, "S6")) {
      const s6 = await runCollectorScenario(options, progress);
      scenarios["S6"] = s6.figures;
      checks.push(...s6.targets);
      notes.push(...s6.notes);
    }
    if (runs(options, "S7")) {
      const s7 = await runScaleScenario(options, progress);
      for (const f of s7.figures) scenarios[`S7 ${f.mode}`] = scaleColumns(f);
      checks.push(...s7.targets);
      notes.push(...s7.notes);
    }
    if (runs(options, "S9")) {
      const s9 = await runLatencyScenario(options, progress);
      scenarios["S9"] = s9.figures;
      checks.push(...s9.targets);
      notes.push(...s9.notes);
    }
    if (runs(options, "S8")) {
      progress(`S8: pacing against ${options.pacingGrid.length} granted write budgets…`);
      const s8 = await runPacingScenario(azurite, options, progress);
      Object.assign(scenarios, s8.cells);
      checks.push(...s8.targets);
      notes.push(...s8.notes);
    }
    if (runs(options, "S10")) {
      const s10 = await runListScenario(azurite, options.listMappings, progress);
      checks.push(...s10.targets);
      notes.push(...s10.notes);
    }
    if (runs(options, "S11")) {
      const s11 = await runReportServingScenario(azurite, options.reportMembers, options.downloads, progress);
      checks.push(...s11.targets);
      notes.push(...s11.notes);
    }
    notes.push(
      `Graph throttling budget ×${options.throttleScale} of docs/service-facts.md (${tenantSizeFor(0)} tenant: ${Math.round(3_500 * options.throttleScale)} RU / 10 s, ${Math.round(3_000 * options.throttleScale)} writes / 2.5 min per app and tenant); latency ${options.latencyMs} ms per request.`,
    );
    const report: BenchReport = {
      scenarios,
      targets: [
        ...judgeTargets({
          scenarios,
          joining: options.joining,
          collectionAfterS3: options.devices + options.withoutEntraId + options.hybrid + options.joining,
          joiningUsers: options.joiningUsers,
          userCollectionAfterS3u: options.users + options.joiningUsers,
          fleetMappingMs,
          mappings: options.mappings,
          checks: [],
        }),
        ...checks,
      ],
      settings: settingsOf(
        options,
        naiveInfo.factor,
        naiveInfo.slice,
        performance.now() - started,
        warnings,
        [...fleetMappingMs].sort((a, b) => a - b).map((ms) => Math.round(ms / 100) / 10),
      ),
    };
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(`${formatTable(report, notes)}\n\nBench finished in ${((performance.now() - started) / 1000).toFixed(0)} s.\n`);
    return report.targets.every((t) => t.holds) ? 0 : 1;
  } finally {
    await azurite.close();
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function settingsOf(
  options: BenchOptions,
  factor: number,
  slice: number,
  elapsedMs: number,
  warnings: Map<string, number>,
  fleetSeconds: readonly number[],
): Record<string, unknown> {
  return {
    latencyMs: options.latencyMs,
    throttleScale: options.throttleScale,
    tenantSize: tenantSizeFor(0),
    collection: { entraJoined: options.devices, withoutEntraId: options.withoutEntraId, hybridJoined: options.hybrid, joiningBeforeS3: options.joining },
    userCollection: { users: options.users, joiningBeforeS3u: options.joiningUsers },
    mappingsS4: options.mappings,
    fleetS5: {
      workers: options.workers,
      mappings: options.fleetMappings,
      devicesPerMapping: options.fleetDevices,
      jobsPerWorker: options.jobsPerWorker,
      mappingSeconds: fleetSeconds,
    },
    graphMaxConcurrency: options.graphConcurrency,
    naive: { sliceMembers: slice, factor: Math.round(factor * 100) / 100, linear: true },
    engineWarnings: Object.fromEntries(warnings),
    node: process.version,
    cpus: cpus().length,
    benchMs: Math.round(elapsedMs),
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);

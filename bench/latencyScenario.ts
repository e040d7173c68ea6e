/**
 * S9: how long a collection change takes to reach the group with the on-premises collector. A collection of
 * `devices` Entra-joined devices is synced through pushed snapshots (collector pass loop at its default interval,
 * `serve` with SOURCE_MODE=pushed, Graph on the simulated tenant); then `latencyChanges` times, at a random moment
 * of the collector's cycle, `latencyChangeSize` devices join the collection in ConfigMgr, and the time until the
 * group holds them is measured. Target (issue 20): p95 ≤ 30 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCollector } from "../cli/commands/collectCommand.js";
import { startServe } from "../cli/commands/serveCommand.js";
import { bufferIo } from "../cli/io.js";
import { silentLogger } from "../shared/logger.js";
import { api, groupHolds, NO_TICK, runsFinished } from "./collectorScenario.js";
import { atMost, type ScenarioFigures, type Target } from "./figures.js";
import type { BenchOptions } from "./options.js";
import { startRemoteTenant } from "./remoteTenant.js";

export const LATENCY_P95_MS = 30_000;

export interface LatencyResult {
  readonly figures: ScenarioFigures;
  readonly latenciesMs: readonly number[];
  readonly targets: Target[];
  readonly notes: string[];
}

/** The value below which `share` of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

export async function runLatencyScenario(options: BenchOptions, progress: (message: string) => void): Promise<LatencyResult> {
  const joining = options.latencyChanges * options.latencyChangeSize;
  const tenant = await startRemoteTenant("collector", { ...options, joining });
  const dataDir = mkdtempSync(join(tmpdir(), "collection-sync-bench-s9-"));
  const serve = await startServe({
    port: 0,
    host: "127.0.0.1",
    env: { SOURCE_MODE: "pushed", GRAPH_BASE_URL: tenant.graphBaseUrl, GRAPH_MAX_CONCURRENCY: String(options.graphConcurrency), SYNC_SCHEDULE: NO_TICK },
    io: bufferIo(),
    log: silentLogger,
    inMemoryStorage: true,
  });
  const stop = new AbortController();
  let loop: Promise<void> = Promise.resolve();
  try {
    const { deviceCollectionId: collectionId, deviceGroupId: groupId } = tenant.ids;
    const collector = await buildCollector({
      env: { ADMINSERVICE_URL: tenant.adminServiceUrl, COLLECTOR_INTERVAL_SECONDS: String(options.collectorInterval) },
      appUrl: serve.url,
      log: silentLogger,
      name: "BENCH-COLLECTOR",
      dataDir: join(dataDir, "collector"),
    });
    await api(serve, "POST", "/mappings", { collectionId, groupId, memberType: "device" });
    progress(`S9: the first pass and sync of ${options.devices} members (not measured)…`);
    const first = await collector.once();
    if (!first.ok) throw new Error(`S9: the collector's first pass failed: ${first.collections.map((c) => c.message).join("; ")}`);
    await runsFinished(serve, collectionId, groupId, 1);

    const passes: number[] = [];
    loop = collector.run(stop.signal, (summary) => void passes.push(summary.adminServiceRequests));
    await tenant.resetCounters();
    const latenciesMs: number[] = [];
    for (let change = 1; change <= options.latencyChanges; change++) {
      // A random moment of the collector's cycle: what an admin's change in the console meets.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * options.collectorInterval * 1000));
      const size = options.devices + change * options.latencyChangeSize;
      await tenant.growCollection(size);
      const changedAt = performance.now();
      await groupHolds(tenant, groupId, size);
      latenciesMs.push(performance.now() - changedAt);
      progress(`S9: change ${change}/${options.latencyChanges} reached the group in ${(latenciesMs.at(-1)! / 1000).toFixed(1)} s`);
    }
    stop.abort();
    await loop;
    const counters = await tenant.counters();
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const quiet = passes.filter((requests) => requests <= 1).length;
    const figures: ScenarioFigures = {
      graphRequests: counters.graphHttpRequests,
      graphReads: counters.graphReads,
      graphWrites: counters.graphWrites,
      adminServiceRequests: counters.adminServiceRequests,
      throttled: counters.throttled,
      wallMs: Math.round(percentile(sorted, 0.95)),
      writePhaseMs: 0,
      throttleMinMs: 0,
      peakRssMiB: null,
      peakHeapMiB: null,
      resolutionRequests: 0,
    };
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return {
      figures,
      latenciesMs,
      targets: [atMost("S9 change → group, p95 (ms)", percentile(sorted, 0.95), LATENCY_P95_MS)],
      notes: [
        `S9: ${options.latencyChanges} changes of ${options.latencyChangeSize} devices on a ${options.devices}-member collection, collector every ${options.collectorInterval} s: ` +
          `median ${seconds(percentile(sorted, 0.5))}, p95 ${seconds(percentile(sorted, 0.95))}, slowest ${seconds(sorted.at(-1) ?? 0)}; ` +
          `${passes.length} passes, ${quiet} of them unchanged at one AdminService request (the S9 row's wall column is the p95).`,
      ],
    };
  } finally {
    stop.abort();
    await loop.catch(() => undefined);
    await serve.close();
    await tenant.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

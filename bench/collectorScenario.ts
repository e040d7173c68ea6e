/**
 * S6: the on-premises collector end to end. A `devices`-member device collection (default 100,000) that the app
 * already syncs from pushed snapshots changes by `joining` members (default 1,000); measured from the collector's
 * pass starting to the group holding the new members: the collector's read (SMS_Collection, membership pages,
 * look-ups of the new members only, through its source identity cache), its upload (gzip parts and a commit),
 * and the app's event-driven sync (`serve` with SOURCE_MODE=pushed, Graph on the simulated tenant).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCollector } from "../cli/commands/collectCommand.js";
import { startServe, type ServeHandle } from "../cli/commands/serveCommand.js";
import { bufferIo } from "../cli/io.js";
import { silentLogger } from "../shared/logger.js";
import { judgeCollectorScenario, type CollectorFigures } from "./collectorTargets.js";
import { figuresOf, type Target } from "./figures.js";
import { sampleMemory } from "./memorySampler.js";
import type { BenchOptions } from "./options.js";
import { startRemoteTenant, type BenchTenant } from "./remoteTenant.js";

export interface CollectorScenarioResult {
  readonly figures: CollectorFigures;
  readonly targets: Target[];
  readonly notes: string[];
}

// Once a year: the sync must owe nothing to the timer.
export const NO_TICK = "0 0 0 1 1 *";
/** Longest wait for the app's sync to show in the group before the scenario gives up. */
const SYNC_WAIT_MS = 15 * 60_000;

export async function runCollectorScenario(options: BenchOptions, progress: (message: string) => void): Promise<CollectorScenarioResult> {
  const tenant = await startRemoteTenant("collector", options);
  const dataDir = mkdtempSync(join(tmpdir(), "collection-sync-bench-s6-"));
  const serve = await startServe({
    port: 0,
    host: "127.0.0.1",
    env: {
      SOURCE_MODE: "pushed",
      GRAPH_BASE_URL: tenant.graphBaseUrl,
      GRAPH_MAX_CONCURRENCY: String(options.graphConcurrency),
      SYNC_SCHEDULE: NO_TICK,
    },
    io: bufferIo(),
    log: silentLogger,
    inMemoryStorage: true,
  });
  try {
    const { deviceCollectionId: collectionId, deviceGroupId: groupId } = tenant.ids;
    const collector = await buildCollector({
      env: { ADMINSERVICE_URL: tenant.adminServiceUrl },
      appUrl: serve.url,
      log: silentLogger,
      name: "BENCH-COLLECTOR",
      dataDir: join(dataDir, "collector"),
    });
    await api(serve, "POST", "/mappings", { collectionId, groupId, memberType: "device" });

    progress(`S6: the collector's first pass and the app's first sync of ${options.devices} members (not measured)…`);
    const first = await collector.once();
    if (!first.ok) throw new Error(`S6: the collector's first pass failed: ${first.collections.map((c) => c.message).join("; ")}`);
    await runsFinished(serve, collectionId, groupId, 1);

    progress(`S6: ${options.joining} devices join; the collector's pass and the app's sync (measured)…`);
    await tenant.joinCollection();
    await tenant.resetCounters();
    const firstSeq = await tenant.lastSeq();
    const trafficBefore = collector.app.traffic();
    const memory = sampleMemory();
    const started = performance.now();
    let peak: { rssMiB: number; heapMiB: number };
    let pass;
    let collectorMs: number;
    try {
      pass = await collector.once();
      collectorMs = performance.now() - started;
      await groupHolds(tenant, groupId, options.devices + options.joining);
    } finally {
      peak = memory.stop();
    }
    const endToEndMs = performance.now() - started;
    const outcome = pass.collections[0];
    const run = (await runsFinished(serve, collectionId, groupId, 2))[0];
    const counters = await tenant.counters();
    const traffic = collector.app.traffic();
    const figures: CollectorFigures = {
      ...figuresOf(counters, {
        wallMs: Math.round(endToEndMs),
        writePhaseMs: 0,
        throttleMinMs: Math.round(await tenant.minimalWriteTimeMs(await tenant.acceptedWrites(firstSeq))),
        peakRssMiB: peak.rssMiB,
        peakHeapMiB: peak.heapMiB,
        resolutionRequests: 0,
        status: run?.status ?? "unknown",
      }),
      collectorMs: Math.round(collectorMs),
      appSyncMs: Math.round(endToEndMs - collectorMs),
      uploadBytes: traffic.uploadBytes - trafficBefore.uploadBytes,
      appRequests: traffic.requests - trafficBefore.requests,
      members: outcome?.members ?? 0,
      collectorResult: outcome?.result ?? "none",
    };
    const notes = [
      `S6: collector pass ${seconds(figures.collectorMs)} (${figures.adminServiceRequests} AdminService requests, ${figures.appRequests} app requests, ` +
        `${(figures.uploadBytes / 1024).toFixed(0)} KiB gzip for ${figures.members} members), then the app's event-driven sync ${seconds(figures.appSyncMs)} ` +
        `(the run itself ${seconds(run?.durationMs ?? 0)}; ${figures.graphRequests} Graph requests, ${figures.graphWrites} writes); end to end ${seconds(figures.wallMs)}. The app (serve, in-memory Azurite) and the collector run in the bench process; peak RSS is both.`,
    ];
    return { figures, targets: judgeCollectorScenario(figures, { members: options.devices + options.joining, changed: options.joining }), notes };
  } finally {
    await serve.close();
    await tenant.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function api(serve: Pick<ServeHandle, "url">, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${serve.url}/api${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return text === "" ? null : JSON.parse(text);
}

interface RunItem {
  readonly status: string;
  readonly trigger: string;
  readonly durationMs: number;
  /** The run's own requests, as it recorded them. */
  readonly graphRequests?: number;
  readonly adminServiceRequests?: number;
}

/** The mapping's runs, newest first, once at least `count` of them finished. */
export async function runsFinished(
  serve: Pick<ServeHandle, "url">,
  collectionId: string,
  groupId: string,
  count: number,
  waitMs = SYNC_WAIT_MS,
): Promise<RunItem[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    // A poll the app did not answer (its keep-alive socket closed as a long sync held the event loop) is asked
    // again; the deadline still bounds the wait.
    const page = (await api(serve, "GET", `/mappings/${collectionId}/${groupId}/runs`).catch((error: unknown) => {
      if (error instanceof TypeError && Date.now() < deadline) return { items: [] };
      throw error;
    })) as { items: RunItem[] };
    const finished = page.items.filter((run) => run.status !== "running" && run.status !== "skipped-leased");
    if (finished.length >= count) return finished;
    if (Date.now() > deadline) throw new Error(`the app's sync did not finish within ${waitMs / 60_000} minutes`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function groupHolds(tenant: BenchTenant, groupId: string, members: number): Promise<void> {
  const deadline = Date.now() + SYNC_WAIT_MS;
  while ((await tenant.groupSize(groupId)) < members) {
    if (Date.now() > deadline) throw new Error(`S6: the group did not reach ${members} members within ${SYNC_WAIT_MS / 60_000} minutes`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

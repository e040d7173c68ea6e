/**
 * S7: the largest sites (issue 20). A device collection of `scaleMembers` Entra-joined devices (default 1,000,000)
 * is synced into an empty group, then `scaleChange` more devices join it and the change is synced; once with the app
 * reading the AdminService itself (SOURCE_MODE=adminservice) and once through the on-premises collector (collector
 * upload + SOURCE_MODE=pushed). The app (`serve`) and the collector each run in a process of their own, so their peak
 * RSS are theirs alone; the app reports its event loop's delay, and a probe process times `GET /api/health` all
 * along. Graph's budget is scaled (`--s7-scale`) so that the run takes minutes: 1,000,000 adds take 42 minutes at the
 * documented budget.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAzurite } from "./benchRig.js";
import { startCollectorChild, type CollectorChild } from "./collectorChild.js";
import { api, groupHolds, runsFinished } from "./collectorScenario.js";
import type { ScenarioFigures, Target } from "./figures.js";
import type { BenchOptions } from "./options.js";
import { startRemoteTenant } from "./remoteTenant.js";
import { judgeScaleScenario, type ScaleFigures, type ScaleMode } from "./scaleTargets.js";
import { startServeChild, type ServeChild } from "./serveChild.js";
import type { LoopDelay } from "./serveHost.js";

export interface ScaleResult {
  readonly figures: readonly ScaleFigures[];
  readonly targets: Target[];
  readonly notes: string[];
}

/** The first sync of a million members may take a while on a small machine; the bench gives up after this. */
const SYNC_WAIT_MS = 45 * 60_000;

export async function runScaleScenario(options: BenchOptions, progress: (message: string) => void): Promise<ScaleResult> {
  const figures: ScaleFigures[] = [];
  for (const mode of options.scaleModes) figures.push(await runMode(mode, options, progress));
  const targets = figures.flatMap((f) => judgeScaleScenario(f));
  const notes = figures.map(
    (f) =>
      `S7 ${f.mode} (${f.members.toLocaleString("en")} members, +${f.change.toLocaleString("en")}, Graph budget ×${options.scaleThrottle}): first sync ${seconds(f.firstSyncMs)} ` +
      `(${f.firstStatus}), change ${seconds(f.changeMs)} (${f.changeStatus}; ${f.changeGraphRequests} Graph and ${f.changeAdminServiceRequests} AdminService requests` +
      `${f.mode === "pushed" ? `, upload ${(f.changeUploadBytes / 1024).toFixed(0)} KiB` : ""}); app peak RSS ${f.appPeakRssMiB.toFixed(0)} MiB (V8 heap in use at most ${f.loopDelay.heapMiB} MiB)` +
      `${f.collectorPeakRssMiB === null ? "" : `, collector ${f.collectorPeakRssMiB.toFixed(0)} MiB`}; event-loop delay p99 ${f.loopDelay.p99} ms (max ${f.loopDelay.max} ms; longest GC pause ${f.loopDelay.gcMaxMs} ms); ` +
      `GET /api/health p99 ${f.healthP99Ms.toFixed(0)} ms, slowest ${f.healthMaxMs.toFixed(0)} ms over ${f.healthCalls} calls.`,
  );
  return { figures, targets, notes };
}

async function runMode(mode: ScaleMode, options: BenchOptions, progress: (message: string) => void): Promise<ScaleFigures> {
  const members = options.scaleMembers;
  const change = options.scaleChange;
  progress(`S7 ${mode}: a simulated tenant of ${members + change} devices…`);
  const tenant = await startRemoteTenant("scale", { ...options, throttleScale: options.scaleThrottle });
  const azurite = await startAzurite();
  const dataDir = mkdtempSync(join(tmpdir(), "collection-sync-bench-s7-"));
  let serve: ServeChild | null = null;
  let collector: CollectorChild | null = null;
  try {
    serve = await startServeChild(azurite.connectionString, {
      SOURCE_MODE: mode,
      ...(mode === "adminservice" ? { ADMINSERVICE_URL: tenant.adminServiceUrl } : {}),
      GRAPH_BASE_URL: tenant.graphBaseUrl,
      GRAPH_MAX_CONCURRENCY: String(options.graphConcurrency),
      // The app paces by the budget the simulated tenant grants: scaled alike.
      GRAPH_BUDGET_SCALE: String(options.scaleThrottle),
    });
    if (mode === "pushed") collector = await startCollectorChild(tenant.adminServiceUrl, serve.url, join(dataDir, "collector"));
    const { deviceCollectionId: collectionId, deviceGroupId: groupId } = tenant.ids;
    await api(serve, "POST", "/mappings", { collectionId, groupId, memberType: "device" });
    const health = await startHealthProbe(`${serve.url}/api/health`);
    await serve.loopDelay();

    progress(`S7 ${mode}: the first sync of ${members} members…`);
    const first = await syncOnce(mode, serve, collector, collectionId, groupId, 1);
    await groupHolds(tenant, groupId, members);

    progress(`S7 ${mode}: ${change} devices join; the change's sync…`);
    await tenant.joinCollection();
    const trafficBefore = first.uploadBytes;
    const second = await syncOnce(mode, serve, collector, collectionId, groupId, 2);
    await groupHolds(tenant, groupId, members + change);
    const loopDelay = mergeDelays(first.loopDelay, second.loopDelay);
    const healthTimes = await health.stop();
    const sorted = [...healthTimes].sort((a, b) => a - b);
    return {
      mode,
      members,
      change,
      firstSyncMs: first.ms,
      firstStatus: first.status,
      groupAfterFirst: members,
      changeMs: second.ms,
      changeStatus: second.status,
      changeGraphRequests: second.graphRequests,
      changeAdminServiceRequests: second.adminServiceRequests,
      changeUploadBytes: second.uploadBytes - trafficBefore,
      appPeakRssMiB: serve.peakRssMiB() ?? Number.POSITIVE_INFINITY,
      collectorPeakRssMiB: collector === null ? null : (collector.peakRssMiB() ?? Number.POSITIVE_INFINITY),
      loopDelay,
      healthP99Ms: sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? Number.POSITIVE_INFINITY,
      healthMaxMs: sorted.at(-1) ?? Number.POSITIVE_INFINITY,
      healthCalls: sorted.length,
    };
  } finally {
    await collector?.close();
    await serve?.close();
    await azurite.close();
    await tenant.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface SyncTimed {
  readonly ms: number;
  readonly status: string;
  readonly loopDelay: LoopDelay;
  /** The collector's upload bytes so far (0 in adminservice mode). */
  readonly uploadBytes: number;
  /**
   * The run's own Graph requests, and the AdminService requests of the sync (the app's run, or the collector's
   * pass): the simulated tenant's counters would also count the health probe's.
   */
  readonly graphRequests: number;
  readonly adminServiceRequests: number;
}

/** One sync, started as each mode starts it: sync-now (adminservice) or a collector pass whose commit triggers it. */
async function syncOnce(
  mode: ScaleMode,
  serve: ServeChild,
  collector: CollectorChild | null,
  collectionId: string,
  groupId: string,
  runNumber: number,
): Promise<SyncTimed> {
  const started = performance.now();
  let uploadBytes = 0;
  let collectorRequests = 0;
  if (mode === "adminservice") await api(serve, "POST", `/mappings/${collectionId}/${groupId}/sync`);
  else {
    const pass = await (collector as CollectorChild).once();
    const outcome = pass.summary.collections[0];
    if (!pass.summary.ok || outcome?.result !== "uploaded") throw new Error(`S7: the collector did not upload: ${JSON.stringify(pass.summary).slice(0, 500)}`);
    uploadBytes = pass.traffic.uploadBytes;
    collectorRequests = pass.summary.adminServiceRequests;
  }
  const run = (await runsFinished(serve, collectionId, groupId, runNumber, SYNC_WAIT_MS))[0];
  const ms = performance.now() - started;
  return {
    ms,
    status: run?.status ?? "unknown",
    loopDelay: await serve.loopDelay(),
    uploadBytes,
    graphRequests: run?.graphRequests ?? Number.POSITIVE_INFINITY,
    adminServiceRequests: mode === "pushed" ? collectorRequests : (run?.adminServiceRequests ?? Number.POSITIVE_INFINITY),
  };
}

/** The worse of two windows' delays (their p99 is not known together, so the larger is kept: conservative). */
function mergeDelays(a: LoopDelay, b: LoopDelay): LoopDelay {
  return {
    p50: Math.max(a.p50, b.p50),
    p99: Math.max(a.p99, b.p99),
    max: Math.max(a.max, b.max),
    samples: a.samples + b.samples,
    heapMiB: Math.max(a.heapMiB, b.heapMiB),
    gcMaxMs: Math.max(a.gcMaxMs, b.gcMaxMs),
  };
}

/** `GET /api/health` timed over and over from a process of its own (latencyProbe.ts), as a load balancer would. */
async function startHealthProbe(url: string): Promise<{ stop(): Promise<number[]> }> {
  const probe = fork(new URL("./latencyProbe.js", import.meta.url), [url], { stdio: ["ignore", "ignore", 2, "ipc"] });
  await new Promise((resolve) => probe.once("message", resolve));
  return {
    stop: () =>
      new Promise<number[]>((resolve) => {
        probe.once("message", (message) => resolve((message as { times: number[] }).times));
        probe.send("stop");
      }),
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The change's figures in the bench table's columns (the first sync's are in the notes). */
export function scaleColumns(f: ScaleFigures): ScenarioFigures {
  return {
    graphRequests: f.changeGraphRequests,
    graphReads: 0,
    graphWrites: 0,
    adminServiceRequests: f.changeAdminServiceRequests,
    throttled: 0,
    wallMs: Math.round(f.changeMs),
    writePhaseMs: 0,
    throttleMinMs: 0,
    peakRssMiB: Math.round(f.appPeakRssMiB),
    peakHeapMiB: null,
    resolutionRequests: 0,
    status: f.changeStatus,
  };
}

/** S7's targets (issue 20: a 1,000,000-member collection), judged from its figures. Pure, so it is unit-tested (test/perf). */
import { atMost, passed, type Target } from "./figures.js";
import type { LoopDelay } from "./serveHost.js";
import { adminServiceBound, MEMBERS_PER_BATCH } from "./targets.js";

export type ScaleMode = "adminservice" | "pushed";

export interface ScaleFigures {
  readonly mode: ScaleMode;
  readonly members: number;
  readonly change: number;
  readonly firstSyncMs: number;
  readonly firstStatus: string;
  readonly groupAfterFirst: number;
  readonly changeMs: number;
  readonly changeStatus: string;
  /** Requests of the change alone: Graph (a `$batch` once) and AdminService (the app's or the collector's). */
  readonly changeGraphRequests: number;
  readonly changeAdminServiceRequests: number;
  /** The collector's upload for the change (gzip, as on the wire); 0 in adminservice mode. */
  readonly changeUploadBytes: number;
  readonly appPeakRssMiB: number;
  readonly collectorPeakRssMiB: number | null;
  /** The app's event-loop delay over both syncs (ms). */
  readonly loopDelay: LoopDelay;
  readonly healthP99Ms: number;
  readonly healthMaxMs: number;
  readonly healthCalls: number;
}

/** The limits: the app fits a 2,048 MB Flex instance with room for the host; the collector a modest server. */
export const APP_PEAK_RSS_MIB = 1_536;
export const COLLECTOR_PEAK_RSS_MIB = 1_024;
export const LOOP_DELAY_P99_MS = 250;
export const HEALTH_MS = 500;
export const UPLOAD_MIB = 10;
/** Device look-ups: `deviceId in (…)` of 15 ids, 20 to a `$batch` (docs/performance.md "What a run costs"). */
export const LOOKUPS_PER_BATCH = 300;

/** Own changes above this are read back through the group's delta right after the writes, ~1,000 a request. */
export const FOLLOW_DELTA_ABOVE = 1_000;

/**
 * A change costs the group's delta, its writes, the look-ups of the joiners and, past 1,000 writes, the delta
 * pages that bring the snapshot past them (docs/performance.md "What a run costs").
 */
export function graphBound(change: number): number {
  const followed = change > FOLLOW_DELTA_ABOVE ? Math.ceil(change / FOLLOW_DELTA_ABOVE) : 0;
  return 2 + Math.ceil(change / MEMBERS_PER_BATCH) + Math.ceil(change / LOOKUPS_PER_BATCH) + followed;
}

export function judgeScaleScenario(f: ScaleFigures): Target[] {
  const name = (what: string) => `S7 ${f.mode}: ${what}`;
  const targets: Target[] = [
    passed(name(`first sync of ${f.members} members succeeded, the group holds them all`), f.firstStatus === "succeeded" && f.groupAfterFirst === f.members),
    passed(name(`the ${f.change}-member change succeeded`), f.changeStatus === "succeeded"),
    atMost(name("app peak RSS (MiB)"), f.appPeakRssMiB, APP_PEAK_RSS_MIB),
    atMost(name("app event-loop delay p99 (ms)"), f.loopDelay.p99, LOOP_DELAY_P99_MS),
    atMost(name("GET /api/health, slowest (ms)"), f.healthMaxMs, HEALTH_MS),
    atMost(name("change: Graph requests (2 + ⌈c/400⌉ + ⌈c/300⌉ + ⌈c/1,000⌉)"), f.changeGraphRequests, graphBound(f.change)),
    atMost(name("change: AdminService requests (⌈N/1,000⌉ + ⌈c/15⌉ + 3)"), f.changeAdminServiceRequests, adminServiceBound(f.members + f.change, f.change)),
  ];
  if (f.mode === "pushed") {
    targets.push(
      atMost(name("collector peak RSS (MiB)"), f.collectorPeakRssMiB ?? Number.POSITIVE_INFINITY, COLLECTOR_PEAK_RSS_MIB),
      atMost(name("change: upload (MiB, gzip)"), f.changeUploadBytes / (1024 * 1024), UPLOAD_MIB),
    );
  }
  return targets;
}

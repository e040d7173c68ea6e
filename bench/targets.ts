/** The targets, judged from the measured figures. Pure, so it is unit-tested (test/perf). */
import { atLeast, atMost, passed, type ScenarioFigures, type Target } from "./figures.js";

/** The scenarios that ran (`npm run bench -- --only …` runs some); each target is judged when its scenario ran. */
export interface MeasuredScenarios {
  readonly S1?: ScenarioFigures;
  readonly S2?: ScenarioFigures;
  readonly S3?: ScenarioFigures;
  readonly S4?: ScenarioFigures;
  readonly S1u?: ScenarioFigures;
  readonly S3u?: ScenarioFigures;
  readonly S5?: ScenarioFigures;
  readonly naiveS1?: ScenarioFigures;
}

export interface TargetInputs {
  readonly scenarios: MeasuredScenarios;
  /** Devices that joined the collection before S3, and the collection's size after. */
  readonly joining: number;
  readonly collectionAfterS3: number;
  /** Users that joined the user collection before S3u, and its size after. */
  readonly joiningUsers: number;
  readonly userCollectionAfterS3u: number;
  /** S4: mappings the tick planned. */
  readonly mappings?: number;
  /** S5: each mapping's time from being queued to its run's end (empty when S5 did not run). */
  readonly fleetMappingMs?: readonly number[];
  /** Correctness checks the bench made on the group afterwards (name → passed). */
  readonly checks: ReadonlyArray<{ readonly name: string; readonly passed: boolean }>;
}

/** `$batch` of 20 PATCHes of 20 members: 400 members per HTTP request (docs/performance.md). */
export const MEMBERS_PER_BATCH = 400;
export const WRITE_PHASE_RATIO = 1.2;
/** S5: many instances together may pace a little less tightly than one alone. */
export const FLEET_WRITE_PHASE_RATIO = 1.3;
/** S5: no mapping starved: the slowest finishes within this multiple of the median mapping's time. */
export const FLEET_SPREAD = 2;
export const PEAK_RSS_MIB = 512;
/** S4: one tick plans and enqueues 10,000 jobs in this time. */
export const SCHEDULER_MS = 10_000;
/** 429 answers (reads and writes) per 100 write (sub-)requests: the engine paces, it does not probe. */
export const THROTTLED_PERCENT = 5;
/** Membership rows per AdminService window, and ids per `eq` chain (docs/performance.md "What a run costs"). */
export const MEMBERSHIP_WINDOW = 1000;
export const IDS_PER_LOOKUP = 15;

/** A collection change costs its membership windows, look-ups of the joiners only, and a few requests more. */
export function adminServiceBound(members: number, joined: number): number {
  return Math.ceil(members / MEMBERSHIP_WINDOW) + Math.ceil(joined / IDS_PER_LOOKUP) + 3;
}

export function judgeTargets(inputs: TargetInputs): Target[] {
  const { S1, S2, S3, S4, S3u, S5, naiveS1 } = inputs.scenarios;
  const targets: Target[] = [];
  if (S1 !== undefined && naiveS1 !== undefined) {
    targets.push(atLeast("S1 Graph requests, naive ÷ ours (×)", naiveS1.graphRequests / Math.max(1, S1.graphRequests), 100));
  }
  if (S1 !== undefined) {
    targets.push(
      writePhaseTarget("S1 write phase ÷ throttle minimum (×)", S1, WRITE_PHASE_RATIO),
      atMost("S1 429s ÷ write requests (%)", (100 * S1.throttled) / Math.max(1, S1.graphWrites), THROTTLED_PERCENT),
      atMost("S1 peak RSS (MiB)", S1.peakRssMiB ?? Number.POSITIVE_INFINITY, PEAK_RSS_MIB),
    );
  }
  if (S2 !== undefined) {
    targets.push(atMost("S2 Graph requests", S2.graphRequests, 2), atMost("S2 AdminService requests", S2.adminServiceRequests, 1));
  }
  if (S3 !== undefined) {
    targets.push(
      atMost("S3 Graph requests (2 + ⌈joined/400⌉ + resolution)", S3.graphRequests, 2 + Math.ceil(inputs.joining / MEMBERS_PER_BATCH) + S3.resolutionRequests),
      atMost("S3 AdminService requests (⌈N/1,000⌉ + ⌈joined/15⌉ + 3)", S3.adminServiceRequests, adminServiceBound(inputs.collectionAfterS3, inputs.joining)),
    );
  }
  if (S3u !== undefined) {
    targets.push(
      atMost(
        "S3u AdminService requests (⌈N/1,000⌉ + ⌈joined/15⌉ + 3)",
        S3u.adminServiceRequests,
        adminServiceBound(inputs.userCollectionAfterS3u, inputs.joiningUsers),
      ),
    );
  }
  if (S4 !== undefined) {
    targets.push(atMost("S4 scheduler tick (ms)", S4.wallMs, SCHEDULER_MS));
    // Mappings and their states are each read in pages of 1,000 (one query each), whatever their number.
    if (S4.tableRequests !== undefined && inputs.mappings !== undefined) {
      targets.push(atMost("S4 Table Storage requests (3 × ⌈mappings / 1,000⌉)", S4.tableRequests, 3 * Math.ceil(inputs.mappings / 1_000)));
    }
  }
  if (S5 !== undefined) {
    const times = [...(inputs.fleetMappingMs ?? [])].sort((a, b) => a - b);
    targets.push(
      writePhaseTarget("S5 aggregate write phase ÷ throttle minimum (×)", S5, FLEET_WRITE_PHASE_RATIO),
      atMost("S5 429s ÷ write requests (%)", (100 * S5.throttled) / Math.max(1, S5.graphWrites), THROTTLED_PERCENT),
      atMost("S5 slowest mapping ÷ median mapping (×)", (times.at(-1) ?? 0) / Math.max(1, median(times)), FLEET_SPREAD),
    );
  }
  for (const check of inputs.checks) targets.push(passed(check.name, check.passed));
  return targets;
}

/** The "10,000 unchanged mappings cost one Graph and one source request each", and every run a skip. */
export function unchangedTargets(figures: ScenarioFigures, mappings: number, skipped: number): Target[] {
  return [
    atMost("S4 unchanged runs: Graph requests (≤ 1 per mapping)", figures.graphRequests, mappings),
    atMost("S4 unchanged runs: AdminService requests (≤ 1 per mapping)", figures.adminServiceRequests, mappings),
    { name: `S4 unchanged runs: all ${mappings} skipped-unchanged`, value: skipped, comparison: ">=", limit: mappings, holds: skipped === mappings },
  ];
}

/**
 * Write-phase wall time against the least time the write budget allows. When the budget does not bind at the
 * chosen scale (minimum 0) there is nothing to compare against: the target is reported as not applicable.
 */
function writePhaseTarget(name: string, figures: ScenarioFigures, ratio: number): Target {
  if (figures.throttleMinMs <= 0) {
    return { name, value: 0, comparison: "<=", limit: ratio, holds: true, note: "not applicable: the write budget does not bind at this scale" };
  }
  return atMost(name, figures.writePhaseMs / figures.throttleMinMs, ratio);
}

/** The middle value of sorted numbers (mean of the two middle ones for an even count; 0 for none). */
export function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

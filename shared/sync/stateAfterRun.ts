import type { MappingState, Watermark } from "../core/ports/mappingState.js";
import { changedSomething, readBothSides, summariseRun } from "../core/runSummary.js";
import type { SyncRun } from "../core/syncRun.js";

/** Failed runs in a row before a mapping shows as degraded, and before the scheduler stops planning it. */
export const DEGRADED_AFTER = 3;
export const QUARANTINED_AFTER = 10;
/**
 * Failures closer together than this count once. Service Bus redelivers an abandoned message at once (docs/service-facts.md),
 * so one outage can fail the same job ten times in a few seconds; "10 failed runs" is meant as 10 attempts
 * spread over ticks, not one burst of redeliveries.
 */
export const FAILURE_BURST_MS = 60_000;

export interface RunEffects {
  /** Set when the run saw the full picture and everything was applied: the next tick may skip. */
  readonly watermark: Watermark | null;
  readonly blocked: MappingState["blocked"];
  /** The approval was used by this run (or no longer matches): clear it. */
  readonly approvalConsumed: boolean;
}

/** The mapping state after a run, lease released. A pure function so the rules are easy to test. */
export function stateAfterRun(state: MappingState, run: SyncRun, effects: RunEffects): MappingState {
  const failed = run.status === "failed";
  const sawSource = run.status === "succeeded" || run.status === "partial" || run.status === "blocked";
  const sameBurst = state.lastRunStatus === "failed" && state.lastRunAt !== null && Date.parse(run.startedAt) - Date.parse(state.lastRunAt) < FAILURE_BURST_MS;
  const consecutiveFailures = !failed ? 0 : sameBurst && state.consecutiveFailures > 0 ? state.consecutiveFailures : state.consecutiveFailures + 1;
  const health = consecutiveFailures >= QUARANTINED_AFTER ? "quarantined" : consecutiveFailures >= DEGRADED_AFTER ? "degraded" : "healthy";
  return {
    ...state,
    lease: null,
    watermark: effects.watermark,
    lastRunAt: run.finishedAt,
    lastRunStatus: run.status,
    lastSuccessAt: sawSource || run.status === "skipped-unchanged" ? run.finishedAt : state.lastSuccessAt,
    lastSuccessSourceCount: sawSource ? run.counts.source : state.lastSuccessSourceCount,
    lastSuccessMode: run.status === "succeeded" || run.status === "partial" ? run.mode : state.lastSuccessMode,
    consecutiveFailures,
    // Removals held back for an old snapshot: the mapping is not doing its whole job, whatever else went well.
    health: state.health === "quarantined" && !failed ? "healthy" : run.blockedBy === "source-stale" && health === "healthy" ? "degraded" : health,
    blocked: run.status === "skipped-unchanged" ? state.blocked : effects.blocked,
    approval: effects.approvalConsumed ? null : state.approval,
    lastRun: summariseRun(run),
    lastChange: changedSomething(run) ? summariseRun(run) : (state.lastChange ?? null),
    groupSize: readBothSides(run) ? run.counts.groupBefore + run.counts.added - run.counts.removed : (state.groupSize ?? null),
    collectionSize: readBothSides(run) ? run.counts.source : (state.collectionSize ?? null),
  };
}

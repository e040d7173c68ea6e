import type { SyncDeps } from "./syncDeps.js";
import type { SyncRun } from "../core/syncRun.js";

/** One structured line per run and the per-run metrics: ids and counts, never member lists. */
export function logRun(deps: SyncDeps, run: SyncRun): void {
  const properties = {
    runId: run.runId,
    mappingKey: run.mappingKey,
    status: run.status,
    trigger: run.trigger,
    durationMs: run.durationMs,
    graphRequests: run.graphRequests,
    adminServiceRequests: run.adminServiceRequests,
    throttledWaitMs: run.throttledWaitMs,
    blockedBy: run.blockedBy,
    ...run.counts,
    skipped: Object.values(run.counts.skipped).reduce((a, b) => a + b, 0),
    skippedByReason: run.counts.skipped,
  };
  const dimensions = { runId: run.runId, mappingKey: run.mappingKey, status: run.status };
  deps.log.metric?.("collectionSync.membersAdded", run.counts.added, dimensions);
  deps.log.metric?.("collectionSync.membersRemoved", run.counts.removed, dimensions);
  deps.log.metric?.("collectionSync.membersSkipped", properties.skipped, dimensions);
  deps.log.metric?.("collectionSync.membersFailed", run.counts.failed, dimensions);
  deps.log.metric?.("collectionSync.graphRequests", run.graphRequests, dimensions);
  deps.log.metric?.("collectionSync.throttledWaitMs", run.throttledWaitMs, dimensions);
  deps.log.metric?.("collectionSync.runDurationMs", run.durationMs, dimensions);
  if (run.status === "failed") deps.log.error(`Sync run failed: ${run.message}`, properties);
  else if (run.status === "blocked" || run.status === "partial") deps.log.warn(`Sync run ${run.status}: ${run.message}`, properties);
  else deps.log.info(`Sync run ${run.status}`, properties);
}

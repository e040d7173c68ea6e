import type { Logger } from "../logger.js";
import { mappingKeyOf } from "../core/ids.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import { parseSyncJobMessage, retryJob, type SyncJob } from "../core/syncJob.js";
import type { Clock } from "../core/ports/clock.js";
import type { SyncRequest } from "../sync/syncDeps.js";
import type { SyncRun } from "../core/syncRun.js";

export interface WorkerDeps {
  readonly runSync: (request: SyncRequest) => Promise<SyncRun>;
  readonly queue: JobQueue;
  readonly clock: Clock;
  readonly log: Logger;
}

export type WorkerOutcome =
  /** The message is not a job: logged and completed, never retried. */
  | { readonly kind: "malformed"; readonly issues: readonly string[] }
  /** The run finished (any status but "rescheduled", including "failed" and "skipped-leased" but for a snapshot's job). */
  | { readonly kind: "completed"; readonly run: SyncRun }
  /** Throttled past the time budget: the same mapping is scheduled again at `at`. */
  | { readonly kind: "rescheduled"; readonly run: SyncRun; readonly next: SyncJob; readonly at: number }
  /** Re-scheduled too often in a row: the chain stops here; the next scheduler tick starts afresh. */
  | { readonly kind: "retries-exhausted"; readonly run: SyncRun };

/**
 * A snapshot's job that found the mapping busy: the run holding the lease may have read the snapshot before this
 * one was committed, so the job comes back once that run has likely finished, instead of waiting for the timer.
 */
export const BUSY_SNAPSHOT_RETRY_MS = 15_000;
/** When the engine asks for a re-schedule without saying how long to wait. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;
/** Throttling that outlasts this many back-offs is not helped by more: stop, and let the scheduler's tick retry. */
export const MAX_RESCHEDULES = 12;

/**
 * One queue message → one sync run (docs/queue.md). Returning completes the message; throwing abandons it so the
 * host redelivers it at once and dead-letters it after maxDeliveryCount (docs/service-facts.md "Service Bus and the
 * Functions host"). So only unexpected faults propagate: a malformed message is completed, permanent
 * problems come back as a failed run, and throttling becomes a scheduled message — a real back-off.
 */
export async function processSyncJob(deps: WorkerDeps, message: unknown): Promise<WorkerOutcome> {
  const parsed = parseSyncJobMessage(message);
  if (!parsed.ok) {
    deps.log.error("sync job message is malformed; completing it without a sync", { issues: parsed.issues });
    return { kind: "malformed", issues: parsed.issues };
  }
  const { job } = parsed;
  const run = await deps.runSync({ collectionId: job.collectionId, groupId: job.groupId, trigger: job.trigger });
  const busySnapshot = run.status === "skipped-leased" && job.trigger === "snapshot";
  if (run.status !== "rescheduled" && !busySnapshot) {
    logRun(deps.log, job, run);
    return { kind: "completed", run };
  }
  if (job.attempt >= MAX_RESCHEDULES) {
    logRun(deps.log, job, run, { gaveUp: true });
    return { kind: "retries-exhausted", run };
  }
  const retry = retryJob(job, new Date(deps.clock.now()).toISOString());
  // Still the snapshot's job: should the mapping be busy again, it comes back again (up to MAX_RESCHEDULES).
  const next = busySnapshot ? { ...retry, trigger: job.trigger } : retry;
  const at = deps.clock.now() + (busySnapshot ? BUSY_SNAPSHOT_RETRY_MS : (run.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS));
  await deps.queue.schedule(next, at);
  logRun(deps.log, job, run, { nextJobId: next.jobId, retryAt: new Date(at).toISOString() });
  return { kind: "rescheduled", run, next, at };
}

/** One line per job: ids, status and counts — never member lists. */
function logRun(log: Logger, job: SyncJob, run: SyncRun, extra: Record<string, unknown> = {}): void {
  const line = {
    jobId: job.jobId,
    runId: run.runId,
    mappingKey: mappingKeyOf(job),
    status: run.status,
    trigger: job.trigger,
    attempt: job.attempt,
    durationMs: run.durationMs,
    counts: run.counts,
    graphRequests: run.graphRequests,
    throttledWaitMs: run.throttledWaitMs,
    ...extra,
  };
  if (extra.gaveUp === true) {
    log.error("sync job throttled too often; leaving it to the next scheduler tick", line);
  } else if (run.status === "failed" || run.status === "blocked") {
    log.warn("sync job finished", { ...line, message: run.message });
  } else {
    log.info("sync job finished", line);
  }
}

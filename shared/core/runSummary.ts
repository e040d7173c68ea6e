import type { SyncRun } from "./syncRun.js";

/** A run in a few numbers, kept on the mapping's state so a list of mappings needs no run history reads. */
export interface RunSummary {
  readonly runId: string;
  readonly status: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly added: number;
  readonly removed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly heldBack: number;
  readonly message: string;
}

/** The state row is bounded (Table Storage property ≤ 64 KiB); the run history keeps the whole message. */
const SUMMARY_MESSAGE_CHARS = 500;

export function summariseRun(run: SyncRun): RunSummary {
  const { counts } = run;
  const message = run.message.length > SUMMARY_MESSAGE_CHARS ? `${run.message.slice(0, SUMMARY_MESSAGE_CHARS - 1)}…` : run.message;
  return {
    runId: run.runId,
    status: run.status,
    trigger: run.trigger,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    added: counts.added,
    removed: counts.removed,
    failed: counts.failed,
    skipped: Object.values(counts.skipped).reduce((sum, n) => sum + n, 0),
    heldBack: counts.heldBack ?? 0,
    message,
  };
}

/** A run that wrote to the group, tried to, or held removals back: what "last change" means to an admin. */
export function changedSomething(run: SyncRun): boolean {
  return run.counts.added + run.counts.removed + run.counts.failed + (run.counts.heldBack ?? 0) > 0;
}

/** Runs that read both sides, so their counts say how big the group and the collection are now. */
export function readBothSides(run: SyncRun): boolean {
  return run.status === "succeeded" || run.status === "partial" || run.status === "blocked" || run.status === "rescheduled";
}

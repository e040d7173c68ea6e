import type { Mapping } from "../core/mapping.js";
import { mappingKeyOf } from "../core/ids.js";
import { MemberReport } from "./memberReport.js";
import { emptyCounts, type Guard, type RunCounts, type RunError, type RunPreview, type RunStatus, type RunTrigger, type SyncRun } from "../core/syncRun.js";

const MAX_ERRORS = 20;

/** Collects what happens during one run and turns it into the SyncRun an admin reads. */
export class RunRecord {
  readonly counts: RunCounts = emptyCounts();
  readonly errors: RunError[] = [];
  /** Every member added, removed, skipped or failed in this run, up to the report's bound (stored beside the run, not in it). */
  readonly report: MemberReport;
  blockedBy: Guard | null = null;
  preview: RunPreview | null = null;
  retryAfterMs: number | null = null;
  approvedBy: string | null = null;
  graphRequests = 0;
  adminServiceRequests = 0;
  throttledWaitMs = 0;

  constructor(
    readonly runId: string,
    readonly mapping: Pick<Mapping, "collectionId" | "groupId" | "tenantId" | "mode">,
    readonly trigger: RunTrigger,
    readonly startedAt: number,
    reportMaxEntries?: number,
  ) {
    this.report = new MemberReport(reportMaxEntries);
  }

  addError(error: RunError): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(error);
  }

  finish(status: RunStatus, message: string, finishedAt: number): SyncRun {
    return {
      runId: this.runId,
      mappingKey: mappingKeyOf(this.mapping),
      collectionId: this.mapping.collectionId,
      groupId: this.mapping.groupId,
      tenantId: this.mapping.tenantId,
      mode: this.mapping.mode,
      trigger: this.trigger,
      status,
      startedAt: new Date(this.startedAt).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
      durationMs: Math.max(0, finishedAt - this.startedAt),
      counts: this.counts,
      graphRequests: this.graphRequests,
      adminServiceRequests: this.adminServiceRequests,
      throttledWaitMs: this.throttledWaitMs,
      blockedBy: this.blockedBy,
      message,
      errors: this.errors,
      preview: this.preview,
      retryAfterMs: this.retryAfterMs,
      approvedBy: this.approvedBy,
    };
  }
}

/** One line an admin can read: what happened, in counts. */
export function summarise(counts: RunCounts): string {
  const skipped = Object.entries(counts.skipped)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${reason}`);
  const parts = [
    `${counts.added} added`,
    `${counts.alreadyPresent} already present`,
    `${counts.removed} removed`,
    `${skipped.length > 0 ? skipped.join(", ") : "0"} skipped`,
    `${counts.failed} failed`,
  ];
  return `${parts.join(", ")} (collection ${counts.source}, resolved ${counts.resolved})`;
}

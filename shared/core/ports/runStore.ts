import type { MemberReportEntry, SyncRun } from "../syncRun.js";

export interface RunPage {
  readonly items: SyncRun[];
  readonly continuationToken: string | undefined;
}

/** A run's per-member report: `truncated` members did not fit the report's bound and are not listed. */
export interface StoredReport {
  readonly entries: readonly MemberReportEntry[];
  readonly truncated: number;
}

/** Run history (Table Storage `runs`: PartitionKey mappingKey, RowKey inverted timestamp → newest first). */
export interface RunStore {
  /** Records a run and its per-member report (written first, so a listed run always has its report). */
  record(run: SyncRun, report?: StoredReport): Promise<void>;
  /** `hideUnchanged`: leave out runs that changed nothing (skipped-unchanged, succeeded without a change). */
  list(mappingKey: string, options?: { pageSize?: number; continuationToken?: string; hideUnchanged?: boolean }): Promise<RunPage>;
  /** One run by its id; null when it does not exist (or is past retention). */
  get(mappingKey: string, runId: string): Promise<SyncRun | null>;
  /** The run's per-member report; null when the run has none. */
  report(mappingKey: string, runId: string): Promise<StoredReport | null>;
  /** Removes a mapping's history and reports (when the mapping is deleted). */
  deleteAll(mappingKey: string): Promise<void>;
}

/**
 * The API's answers as they travel: the one description of the JSON that the API writes and the web console
 * reads. Types only, and only of the core's records, so the console (its own tsconfig, browser code) checks
 * against them with `import type` and its bundle takes no code from shared/ (test/repo/layering.test.ts).
 */
import type { Mapping } from "../core/mapping.js";
import type { MemberReportEntry, MemberOutcome, SyncRun } from "../core/syncRun.js";
import type { MappingHealth } from "../core/ports/mappingState.js";

/** What an admin needs at a glance: is it healthy, is it blocked, how did the last run go. */
export interface StateSummary {
  readonly health: MappingHealth;
  readonly blocked: { guard: string; message: string; removeCount: number; at: string } | null;
  readonly lastRunStatus: string | null;
  readonly lastRunAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly consecutiveFailures: number;
  /** A worker holds the mapping's lease right now. */
  readonly syncing: boolean;
}

/** `GET /mappings/{c}/{g}` and each item of `GET /mappings`: the stored mapping with its state at a glance. */
export type MappingView = Mapping & { readonly state: StateSummary };

/** A page of a list; `continuationToken` null on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly continuationToken: string | null;
}

/** `GET /mappings/{c}/{g}/runs/{runId}`: the run, with what its per-member report holds (null: none recorded). */
export type RunDetailView = SyncRun & {
  readonly report?: { readonly counts: Record<MemberOutcome, number>; readonly truncated: number } | null;
};

/** `GET /mappings/{c}/{g}/runs/{runId}/members`: one page of the run's per-member report. */
export interface RunMembersView {
  readonly runId: string;
  readonly status: SyncRun["status"];
  readonly alreadyPresent: number;
  /** False: the run was recorded without a per-member report. */
  readonly reported: boolean;
  /** Members that did not fit the report's bound. */
  readonly truncated: number;
  readonly total: number;
  readonly page: number;
  readonly pageSize: number;
  readonly items: MemberReportEntry[];
}

/** `GET /me`: who the caller is and whether the console should offer changes. */
export interface MeView {
  readonly name: string;
  readonly roles: string[];
  readonly canWrite: boolean;
}

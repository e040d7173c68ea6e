/**
 * The API's answers as the console reads them (docs/api.md): the API's own wire types (shared/api/apiWire.ts),
 * imported as types only, so the console and the API cannot drift and the bundle takes no code from shared/.
 */
import type { MappingView, MeView, Page as ApiPage, RunDetailView } from "../../shared/api/apiWire.js";
import type { SyncMode } from "../../shared/core/mapping.js";
import type { MemberReportEntry, RunCounts } from "../../shared/core/syncRun.js";

export type { StateSummary } from "../../shared/api/apiWire.js";
export type Mode = SyncMode;
export type Mapping = MappingView;
export type Counts = RunCounts;
export type Run = RunDetailView;
export type Member = MemberReportEntry;
export type Page<T> = ApiPage<T>;
export type Me = MeView;

export function skippedTotal(counts: Counts): number {
  return Object.values(counts.skipped).reduce((sum, n) => sum + n, 0);
}

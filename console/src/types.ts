/**
 * The API's answers as the console reads them (docs/api.md): the API's own wire types (shared/api/apiWire.ts,
 * which carries contract.ts), imported as types only, so the console and the API cannot drift and the bundle
 * takes no code from shared/ beyond the label tables (shared/core/labels.ts, pure data).
 */
export type {
  AuditEntryView,
  AuditPageView,
  BlockedChangeView,
  GroupSearchItem,
  GroupSearchView,
  MappingListView,
  MappingStatusCode,
  MappingView,
  MemberView,
  MeView as Me,
  Page,
  PreviewView,
  RunSummaryView,
  RunView,
} from "../../shared/api/apiWire.js";

export type Mode = "additive" | "managed" | "mirror";

/** A run's counts as the history and the run page read them (`counts` is open-ended in the contract). */
export interface Counts {
  readonly source: number;
  readonly resolved: number;
  readonly skipped: Record<string, number>;
  readonly alreadyPresent: number;
  readonly added: number;
  readonly removed: number;
  readonly failed: number;
}

export function countsOf(counts: Readonly<Record<string, unknown>>): Counts {
  const n = (key: string) => (typeof counts[key] === "number" ? counts[key] : 0);
  const skipped = counts.skipped !== null && typeof counts.skipped === "object" ? (counts.skipped as Record<string, number>) : {};
  return {
    source: n("source"),
    resolved: n("resolved"),
    skipped,
    alreadyPresent: n("alreadyPresent"),
    added: n("added"),
    removed: n("removed"),
    failed: n("failed"),
  };
}

export function skippedTotal(counts: Counts): number {
  return Object.values(counts.skipped).reduce((sum, n) => sum + n, 0);
}

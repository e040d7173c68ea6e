/** The API's answers as the console reads them: the shapes the API itself declares (docs/api.md). */
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
  PreviewView,
  RunSummaryView,
  RunView,
} from "../../shared/api/contract.js";

export type Mode = "additive" | "managed" | "mirror";

export interface Page<T> {
  readonly items: T[];
  readonly continuationToken: string | null;
}

export interface Me {
  readonly name: string;
  readonly roles: string[];
  readonly canWrite: boolean;
}

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
  const n = (key: string) => (typeof counts[key] === "number" ? (counts[key] as number) : 0);
  const skipped = counts.skipped !== null && typeof counts.skipped === "object" ? (counts.skipped as Record<string, number>) : {};
  return { source: n("source"), resolved: n("resolved"), skipped, alreadyPresent: n("alreadyPresent"), added: n("added"), removed: n("removed"), failed: n("failed") };
}

export function skippedTotal(counts: Counts): number {
  return Object.values(counts.skipped).reduce((sum, n) => sum + n, 0);
}

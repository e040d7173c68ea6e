import type { MemberOutcome, MemberReportEntry } from "../core/syncRun.js";
import type { MemberView } from "./contract.js";
import { labelOf, MEMBER_OUTCOME_LABELS, SKIP_REASON_LABELS } from "../core/labels.js";

/** Removals first (what a person must check), then adds, failures, skips. */
const OUTCOME_ORDER: Record<MemberOutcome, number> = { removed: 0, "held-back": 1, added: 2, failed: 3, skipped: 4 };

export function memberView(entry: MemberReportEntry): MemberView {
  return { ...entry, outcomeLabel: labelOf(MEMBER_OUTCOME_LABELS, entry.outcome) ?? entry.outcome, reasonLabel: labelOf(SKIP_REASON_LABELS, entry.reason) };
}

export function byDecisionOrder(entries: readonly MemberReportEntry[]): MemberReportEntry[] {
  return [...entries].sort((a, b) => OUTCOME_ORDER[a.outcome] - OUTCOME_ORDER[b.outcome]);
}

/** Case-insensitive text anywhere in what the row shows: name, ids, error, and the outcome and reason as labelled. */
export function memberMatches(entry: MemberReportEntry, search: string | undefined): boolean {
  if (search === undefined || search === "") return true;
  const needle = search.toLowerCase();
  return [
    entry.name,
    entry.entraId,
    entry.objectId,
    entry.resourceId === null ? null : String(entry.resourceId),
    entry.reason,
    labelOf(SKIP_REASON_LABELS, entry.reason),
    entry.outcome,
    labelOf(MEMBER_OUTCOME_LABELS, entry.outcome),
    entry.error,
  ].some((value) => value !== null && value.toLowerCase().includes(needle));
}

import type { SkipReason } from "./syncRun.js";

/**
 * What one run did with one member. Members already in the group are counted on the run, never listed.
 * `held-back`: a removal a safety guard stopped (what approving the blocked change would remove).
 */
export type MemberOutcome = "added" | "removed" | "skipped" | "failed" | "held-back";

/** Stored reports encode an outcome by its place here: append, never reorder. */
export const MEMBER_OUTCOMES: readonly MemberOutcome[] = ["added", "removed", "skipped", "failed", "held-back"];

/** One line of a run's per-member report (also one CSV row). */
export interface MemberReportEntry {
  readonly outcome: MemberOutcome;
  /** Why a member was skipped; null for the other outcomes. */
  readonly reason: SkipReason | null;
  /** ConfigMgr ResourceID; null for a member known only from the group (removed by mirror, added by hand). */
  readonly resourceId: number | null;
  readonly name: string | null;
  /** The Entra id ConfigMgr knows the member by: device id (AADDeviceID), user object id or UPN. */
  readonly entraId: string | null;
  /** The Entra directory object id (group membership is by this id). */
  readonly objectId: string | null;
  /** Graph's error for a failed write (`code: message`). */
  readonly error: string | null;
}

/** A collection member as the run knows it, by the Entra object id it resolved to. */
export interface KnownMember {
  readonly resourceId: number;
  readonly name: string;
  readonly entraId: string | null;
}

/** Collects a run's member outcomes as they happen (bounded only by the collection and group sizes). */
export class MemberReport {
  readonly entries: MemberReportEntry[] = [];
  private known: ReadonlyMap<string, KnownMember> = new Map();

  /** The members resolved this run, so writes by object id can be reported with their ConfigMgr names. */
  know(members: ReadonlyMap<string, KnownMember>): void {
    this.known = members;
  }

  skipped(member: KnownMember, reason: SkipReason, objectId: string | null): void {
    this.entries.push({ outcome: "skipped", reason, resourceId: member.resourceId, name: member.name, entraId: member.entraId, objectId, error: null });
  }

  written(outcome: "added" | "removed" | "held-back", objectIds: readonly string[]): void {
    for (const objectId of objectIds) this.entries.push({ outcome, reason: null, ...this.describe(objectId), objectId, error: null });
  }

  failed(objectId: string, error: string): void {
    this.entries.push({ outcome: "failed", reason: null, ...this.describe(objectId), objectId, error });
  }

  /** Object ids of rows without a name (members the collection does not hold: removals, hand-added members). */
  unnamed(): string[] {
    const ids = new Set<string>();
    for (const entry of this.entries) if (entry.name === null && entry.objectId !== null) ids.add(entry.objectId);
    return [...ids];
  }

  /** Fills in the names Entra gave for unnamed rows (device displayName, user UPN). */
  name(names: ReadonlyMap<string, string>): void {
    for (const [index, entry] of this.entries.entries()) {
      const name = entry.name === null && entry.objectId !== null ? names.get(entry.objectId) : undefined;
      if (name !== undefined) this.entries[index] = { ...entry, name };
    }
  }

  private describe(objectId: string): Pick<MemberReportEntry, "resourceId" | "name" | "entraId"> {
    const member = this.known.get(objectId);
    return member === undefined ? { resourceId: null, name: null, entraId: null } : member;
  }
}

/** Counts by outcome (what the report holds; the run's own counts also say how many were already present). */
export function countOutcomes(entries: readonly MemberReportEntry[]): Record<MemberOutcome, number> {
  const counts: Record<MemberOutcome, number> = { added: 0, removed: 0, skipped: 0, failed: 0, "held-back": 0 };
  for (const entry of entries) counts[entry.outcome] += 1;
  return counts;
}

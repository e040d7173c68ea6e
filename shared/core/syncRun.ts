/** Why a collection member was not put into the group. */
export type SkipReason =
  /** ConfigMgr knows no Entra id for it (no AADDeviceID / UPN). */
  | "no-entra-id"
  /** Its Entra id matches no object in the tenant. */
  | "not-found"
  /** Hybrid-joined (trustType ServerAd) and the mapping syncs Entra-joined devices only. */
  | "hybrid-joined"
  /** Only registered (trustType Workplace): never synced. */
  | "registered-device"
  /** The Entra object is disabled (accountEnabled false). */
  | "disabled";

export type RunStatus =
  /** Everything planned was done. */
  | "succeeded"
  /** Done, but some members failed (see errors). */
  | "partial"
  /** Nothing changed on either side since the last successful run: no member was read. */
  | "skipped-unchanged"
  /** A safety guard stopped removals (see `blockedBy`); adds may have happened. */
  | "blocked"
  /** Throttled past the time budget: progress saved, job re-scheduled. */
  | "rescheduled"
  /** Nothing (or not all) could be done: source read failed, group refused, unexpected fault. */
  | "failed"
  /** Dry run: nothing written, `preview` says what would change. */
  | "preview"
  /** Another worker holds the mapping's lease: nothing done, not recorded in the history. */
  | "skipped-leased";

/** `source-stale`: SOURCE_MODE=pushed and the collection's snapshot is older than SNAPSHOT_MAX_AGE_MINUTES. */
export type Guard = "source-read-failed" | "source-empty" | "source-stale" | "removal-threshold" | "mirror-first-sync";

export interface RunCounts {
  /** Members in the collection. */
  source: number;
  /** Members resolved to an Entra object that may be synced. */
  resolved: number;
  skipped: Record<SkipReason, number>;
  alreadyPresent: number;
  added: number;
  removed: number;
  failed: number;
  /** Members in the group before the run (of the mapping's member type). */
  groupBefore: number;
  /** Removals a safety guard held back (blocked runs); absent in runs recorded before it was counted. */
  heldBack?: number;
}

export interface RunError {
  readonly id?: string;
  readonly code: string;
  readonly message: string;
}

export interface SkippedMember {
  readonly resourceId: number;
  readonly name: string;
  readonly reason: SkipReason;
  /** The Entra id ConfigMgr holds for it (lower-cased device id, user object id or UPN); null if none. */
  readonly entraId?: string | null;
  /** The Entra object it resolved to, when it resolved (skipped for its join type or state). */
  readonly objectId?: string | null;
}

export interface RunPreview {
  readonly toAdd: string[];
  readonly toRemove: string[];
  readonly skipped: SkippedMember[];
  /** Every member the run would add, remove or skip, named (answered by the API, not stored with the run). */
  readonly members?: readonly MemberReportEntry[];
}

/** `snapshot`: queued by a committed collector snapshot whose watermark changed (event-driven sync). */
export type RunTrigger = "schedule" | "manual" | "cli" | "retry" | "snapshot";

/** One sync of one mapping: what an admin reads in the run history. */
export interface SyncRun {
  readonly runId: string;
  readonly mappingKey: string;
  readonly collectionId: string;
  readonly groupId: string;
  readonly tenantId: string | null;
  readonly mode: string;
  readonly trigger: RunTrigger;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly counts: RunCounts;
  readonly graphRequests: number;
  readonly adminServiceRequests: number;
  readonly throttledWaitMs: number;
  /** The guard that stopped removals, if any, and a sentence saying why and how to approve. */
  readonly blockedBy: Guard | null;
  readonly message: string;
  /** First few errors (never whole member lists). */
  readonly errors: RunError[];
  readonly preview: RunPreview | null;
  /** With status "rescheduled": how long to wait before the next attempt. */
  readonly retryAfterMs: number | null;
  /** Who approved the blocked change this run applied (absent or null: it applied none). */
  readonly approvedBy?: string | null;
}

export function emptyCounts(): RunCounts {
  return {
    source: 0,
    resolved: 0,
    skipped: { "no-entra-id": 0, "not-found": 0, "hybrid-joined": 0, "registered-device": 0, disabled: 0 },
    alreadyPresent: 0,
    added: 0,
    removed: 0,
    failed: 0,
    groupBefore: 0,
  };
}

/** What one run did with one member. Members already in the group are counted on the run, never listed. */
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

/**
 * A run's report lists its first 500,000 members; the rest are counted as left out (`truncated`), never listed
 * and never kept in memory (a first sync of 1,000,000 members would hold a million rows). The run's own counts
 * cover every member. Stored, 500,000 typical rows take ~35 MB, within the 64 rows a report may use.
 */
export const REPORT_MAX_ENTRIES = 500_000;

/** Counts by outcome (what the report holds; the run's own counts also say how many were already present). */
export function countOutcomes(entries: readonly MemberReportEntry[]): Record<MemberOutcome, number> {
  const counts: Record<MemberOutcome, number> = { added: 0, removed: 0, skipped: 0, failed: 0, "held-back": 0 };
  for (const entry of entries) counts[entry.outcome] += 1;
  return counts;
}

/**
 * The shapes of the API's answers that the console reads (docs/api.md). Types only and no imports, so the
 * console's build can include this file as it is and the two can never drift apart.
 */

export type MappingStatusCode = "quarantined" | "blocked" | "degraded" | "failing" | "stale" | "never-run" | "disabled" | "healthy";
export type MemberOutcomeCode = "added" | "removed" | "held-back" | "skipped" | "failed";

/** One run, in a few numbers: what the mapping list shows inline. */
export interface RunSummaryView {
  readonly runId: string;
  readonly status: string;
  readonly statusLabel: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly added: number;
  readonly removed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Removals a guard held back (blocked runs). */
  readonly heldBack: number;
  readonly message: string;
}

export interface BlockedView {
  readonly guard: string;
  readonly guardLabel: string;
  readonly message: string;
  readonly removeCount: number;
  readonly at: string;
  /** The run that was blocked; its report lists the held-back removals (`outcome=held-back`). null for older states. */
  readonly runId: string | null;
}

export interface StateView {
  /** The badge: tells never-run, disabled, blocked, quarantined, degraded, failing, stale and healthy apart. */
  readonly status: MappingStatusCode;
  readonly statusLabel: string;
  readonly health: "healthy" | "degraded" | "quarantined";
  readonly blocked: BlockedView | null;
  /** An approval waiting for the next run. */
  readonly approval: { readonly by: string; readonly at: string } | null;
  readonly lastRunStatus: string | null;
  readonly lastRunAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly consecutiveFailures: number;
  readonly syncing: boolean;
  readonly lastRun: RunSummaryView | null;
  /** The last run that added, removed or failed to write something (may be the last run). */
  readonly lastChange: RunSummaryView | null;
  /** Members in the group after the last run that read it (of the mapping's member type); null before one. */
  readonly groupSize: number | null;
  /** Members in the collection as the last run that read it saw them; null before one. */
  readonly collectionSize: number | null;
}

export interface MappingView {
  readonly collectionId: string;
  readonly groupId: string;
  readonly tenantId: string | null;
  readonly mode: "additive" | "managed" | "mirror";
  readonly enabled: boolean;
  readonly includeHybridJoined: boolean;
  readonly removalThresholdPercent: number | null;
  readonly removalThresholdCount: number | null;
  readonly notify: boolean;
  readonly collectionName: string | null;
  readonly groupName: string | null;
  readonly memberType: "device" | "user";
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  /** The stored mapping's ETag (If-Match on PATCH/DELETE also accepts the response's ETag header). */
  readonly etag: string;
  readonly state: StateView;
}

/** `GET /mappings`. */
export interface MappingListView {
  readonly items: MappingView[];
  /** Mappings matching search and status (all pages). */
  readonly total: number;
  readonly page: number;
  readonly pageSize: number;
  /** The next page (`?continuationToken=`), null on the last page. */
  readonly continuationToken: string | null;
  /** Mappings matching `search` by status (before the status filter), plus `needs-attention` and `all`. */
  readonly statusCounts: Readonly<Record<MappingStatusCode | "needs-attention" | "all", number>>;
}

/** One member row of a run report or preview. `name`: device displayName, user UPN (also for removals). */
export interface MemberView {
  readonly outcome: MemberOutcomeCode;
  readonly outcomeLabel: string;
  readonly reason: string | null;
  readonly reasonLabel: string | null;
  readonly resourceId: number | null;
  readonly name: string | null;
  readonly entraId: string | null;
  readonly objectId: string | null;
  readonly error: string | null;
}

/** `GET …/preview` and `POST /mappings/preview`. */
export interface PreviewView {
  readonly status: "preview";
  /** Consistent with the counts below: "Would add 2 and remove 0; 3 removals would be held back (…)". */
  readonly message: string;
  readonly blockedBy: string | null;
  readonly blockedByLabel: string | null;
  readonly counts: Readonly<Record<string, unknown>>;
  /** The settings the preview was computed with (the stored ones, overridden by the query). */
  readonly settings: {
    readonly mode: string;
    readonly removalThresholdPercent: number | null;
    readonly removalThresholdCount: number | null;
    readonly includeHybridJoined: boolean;
  };
  readonly wouldAdd: number;
  /** Removals the run would make now. */
  readonly wouldRemove: number;
  /** Removals a guard would hold back until approved. */
  readonly heldBack: number;
  readonly preview: {
    readonly toAddCount: number;
    readonly toRemoveCount: number;
    readonly skippedCount: number;
    readonly toAdd: string[];
    readonly toRemove: string[];
    readonly skipped: unknown[];
    /** Named rows, removals (or held-back removals) first, cut at `limit`. */
    readonly members: MemberView[];
    readonly truncated: boolean;
  };
}

/** `GET …/blocked` and `POST …/approve`: what the approve dialog shows. */
export interface BlockedChangeView {
  readonly blocked: BlockedView;
  /** The held-back removals, named, cut at `limit`; `total` is exact. */
  readonly members: MemberView[];
  readonly total: number;
  /** Filled by approve. */
  readonly approval: { readonly by: string; readonly at: string } | null;
  readonly message: string;
}

export interface GroupSearchItem {
  readonly id: string;
  readonly displayName: string;
  readonly eligible: boolean;
  readonly reason?: string;
  readonly message?: string;
  /** Mappings that already fill this group. */
  readonly mappedFrom: { readonly collectionId: string; readonly collectionName: string | null }[];
}

/** `GET /groups`. */
export interface GroupSearchView {
  readonly memberType: "device" | "user";
  readonly items: GroupSearchItem[];
  /** Graph has more matches than `limit`: type more of the name. */
  readonly truncated: boolean;
}

export interface RunView {
  readonly runId: string;
  readonly status: string;
  readonly statusLabel: string;
  readonly trigger: string;
  readonly triggerLabel: string;
  readonly blockedBy: string | null;
  readonly blockedByLabel: string | null;
  /** Who approved the change this run applied; null when it applied none. */
  readonly approvedBy: string | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly counts: Readonly<Record<string, unknown>>;
  readonly message: string;
  /** `GET …/runs/{runId}` only: the mapping the run belongs to, named. */
  readonly mapping?: {
    readonly collectionId: string;
    readonly collectionName: string | null;
    readonly groupId: string;
    readonly groupName: string | null;
    readonly memberType: string;
    readonly mode: string;
  };
  readonly report?: { readonly counts: Readonly<Record<string, number>>; readonly truncated: number } | null;
}

export type AuditAction =
  "mapping.create" | "mapping.update" | "mapping.delete" | "mapping.approve" | "mapping.sync" | "collection.refresh" | "snapshot.discard" | "settings.update";

export interface AuditActor {
  /** UPN (Easy Auth), `app:<appId>`, the API key's label, or `local:<OS user>` for `serve`. */
  readonly name: string;
  /** Entra object id of the signed-in person or app; null for keys and local use. */
  readonly objectId: string | null;
  readonly kind: "user" | "app" | "api-key" | "function-key" | "local" | "cli";
}

export interface AuditEntryView {
  readonly id: string;
  readonly at: string;
  readonly action: AuditAction;
  readonly actionLabel: string;
  readonly actor: AuditActor;
  readonly collectionId: string | null;
  readonly groupId: string | null;
  /** The values before and after the change (changed fields only for an update); null when not applicable. */
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
  /** A sentence for the table ("mode additive → mirror", "approved 40 removals held back by removal-threshold"). */
  readonly summary: string;
}

/** `GET /audit`. */
export interface AuditPageView {
  readonly items: AuditEntryView[];
  readonly continuationToken: string | null;
}

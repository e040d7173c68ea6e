/** The API's answers as the console reads them (docs/api.md). */

export type Mode = "additive" | "managed" | "mirror";

export interface StateSummary {
  readonly health: string;
  readonly blocked: { guard: string; message: string; removeCount: number; at: string } | null;
  readonly lastRunStatus: string | null;
  readonly lastRunAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly consecutiveFailures: number;
  readonly syncing: boolean;
}

export interface Mapping {
  readonly collectionId: string;
  readonly groupId: string;
  readonly tenantId: string | null;
  readonly mode: Mode;
  readonly enabled: boolean;
  readonly includeHybridJoined: boolean;
  readonly removalThresholdPercent: number | null;
  readonly removalThresholdCount: number | null;
  readonly collectionName: string | null;
  readonly groupName: string | null;
  readonly memberType: "device" | "user";
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly state: StateSummary;
}

export interface Counts {
  readonly source: number;
  readonly resolved: number;
  readonly skipped: Record<string, number>;
  readonly alreadyPresent: number;
  readonly added: number;
  readonly removed: number;
  readonly failed: number;
}

export interface Run {
  readonly runId: string;
  readonly status: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly counts: Counts;
  readonly message: string;
  readonly blockedBy: string | null;
  readonly report?: { counts: Record<string, number>; truncated: number } | null;
}

export interface Member {
  readonly outcome: "added" | "removed" | "skipped" | "failed";
  readonly reason: string | null;
  readonly resourceId: number | null;
  readonly name: string | null;
  readonly entraId: string | null;
  readonly objectId: string | null;
  readonly error: string | null;
}

export interface Page<T> {
  readonly items: T[];
  readonly continuationToken: string | null;
}

export interface Me {
  readonly name: string;
  readonly roles: string[];
  readonly canWrite: boolean;
}

export function skippedTotal(counts: Counts): number {
  return Object.values(counts.skipped).reduce((sum, n) => sum + n, 0);
}

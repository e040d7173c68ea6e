import type { Guard } from "./syncRun.js";

export type MappingHealth = "healthy" | "degraded" | "quarantined";

export interface Lease {
  readonly owner: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** What the last successful run saw, to skip unchanged mappings in O(1) calls (DESIGN §4 step 2). */
export interface Watermark {
  readonly collectionMemberCount: number;
  readonly collectionLastMemberChangeTime: string | null;
  /** Opaque group-side token from Directory.membershipToken. */
  readonly groupToken: string | null;
  /** Mapping settings the watermark was taken under (mode, hybrid opt-in): a change forces a full run. */
  readonly mappingFingerprint: string;
}

export interface BlockedChange {
  readonly guard: Guard;
  readonly message: string;
  /** Fingerprint of the exact change that was blocked; an approval applies to this change only. */
  readonly fingerprint: string;
  readonly removeCount: number;
  readonly at: string;
}

export interface Approval {
  readonly by: string;
  readonly at: string;
  /** Fingerprint of the blocked change it approves. */
  readonly fingerprint: string;
}

/** Per-mapping run state (Table Storage `mappingState`: PartitionKey mappingKey, RowKey "state"). */
export interface MappingState {
  readonly mappingKey: string;
  readonly lease: Lease | null;
  readonly watermark: Watermark | null;
  readonly lastRunAt: string | null;
  readonly lastRunStatus: string | null;
  readonly lastSuccessAt: string | null;
  /** Collection member count seen by the last successful run (for the source-empty guard). */
  readonly lastSuccessSourceCount: number | null;
  /** Mode of the last run that applied changes (a first `mirror` run needs approval, DESIGN §6). */
  readonly lastSuccessMode: string | null;
  readonly consecutiveFailures: number;
  readonly health: MappingHealth;
  readonly blocked: BlockedChange | null;
  readonly approval: Approval | null;
  readonly etag: string | null;
}

export function initialState(mappingKey: string): MappingState {
  return {
    mappingKey,
    lease: null,
    watermark: null,
    lastRunAt: null,
    lastRunStatus: null,
    lastSuccessAt: null,
    lastSuccessSourceCount: null,
    lastSuccessMode: null,
    consecutiveFailures: 0,
    health: "healthy",
    blocked: null,
    approval: null,
    etag: null,
  };
}

export interface MappingStateStore {
  /** The stored state, or initialState (etag null) when none is stored yet. */
  get(mappingKey: string): Promise<MappingState>;
  /**
   * Inserts (etag null) or replaces (If-Match etag) the state and returns it with its new etag.
   * Throws ConcurrencyError when someone else wrote first.
   */
  save(state: MappingState): Promise<MappingState>;
  /**
   * Takes the lease if free or expired, atomically (ETag-conditional). Returns the state holding our lease,
   * or null when another owner holds an unexpired lease (or won the race).
   */
  acquireLease(mappingKey: string, owner: string, ttlMs: number, now: number): Promise<MappingState | null>;
  delete(mappingKey: string): Promise<void>;
}

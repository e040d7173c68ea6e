import type { RunSummary } from "../runSummary.js";
import type { Guard } from "../syncRun.js";

export type MappingHealth = "healthy" | "degraded" | "quarantined";

/**
 * A worker records its result within this margin after its time budget, so a lease lasts budget + margin
 * (settings check that this fits inside the Functions host's timeout).
 */
export const LEASE_MARGIN_SECONDS = 60;

export interface Lease {
  readonly owner: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** What the last successful run saw, to skip unchanged mappings in O(1) calls (README "How it works" step 2). */
export interface Watermark {
  readonly collectionMemberCount: number;
  readonly collectionLastMemberChangeTime: string | null;
  /** The source's own change token (a pushed snapshot's id); absent or null for the AdminService. */
  readonly sourceVersion?: string | null;
  /** Mapping settings the watermark was taken under (mode, hybrid opt-in): a change forces a full run. */
  readonly mappingFingerprint: string;
  /**
   * Epoch ms after which the collection is read again although unchanged: set when members were skipped as not
   * in Entra (no Entra id in ConfigMgr, or none in Entra), which a later Entra join changes without ConfigMgr
   * touching the collection. Absent or null: nothing to re-check.
   */
  readonly recheckAt?: number | null;
}

/**
 * The group's members (of the mapping's type) as the last run left them, stored beside the state, and the group
 * delta link they are current at. The next run follows the link and applies the changes instead of reading the
 * whole group (docs/performance.md); an expired link, or a snapshot that cannot be read, means a full read.
 */
export interface GroupSnapshot {
  /** The stored rows (MemberSnapshotStore.read). */
  readonly generation: string;
  readonly count: number;
  /** Group delta link (`@odata.deltaLink`) at which the members were current. */
  readonly token: string;
  /** When the group was last read in full (epoch ms): an old snapshot is refreshed by a full read. */
  readonly fullReadAt: number;
}

/** Where group snapshots are kept (Table Storage `mappingState`, the mapping's partition). */
export interface MemberSnapshotStore {
  /** Stores the ids as a new generation and returns its name; nothing refers to it until a state does. */
  write(mappingKey: string, members: ReadonlySet<string>): Promise<string>;
  /** The ids of that generation, or null when it is missing, incomplete or not `count` ids. */
  read(mappingKey: string, generation: string, count: number): Promise<Set<string> | null>;
  /** Deletes every stored generation but `keep` (all of them when null). */
  prune(mappingKey: string, keep: string | null): Promise<void>;
}

export interface BlockedChange {
  readonly guard: Guard;
  readonly message: string;
  /** Fingerprint of the exact change that was blocked; an approval applies to this change only. */
  readonly fingerprint: string;
  readonly removeCount: number;
  readonly at: string;
  /** The run that was blocked (its report lists the held-back removals); absent in states stored before. */
  readonly runId?: string;
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
  /** Mode of the last run that applied changes (a first `mirror` run needs approval, README "Safety guards"). */
  readonly lastSuccessMode: string | null;
  readonly consecutiveFailures: number;
  readonly health: MappingHealth;
  readonly blocked: BlockedChange | null;
  readonly approval: Approval | null;
  /** Group members as the last run left them (absent in states stored before snapshots existed). */
  readonly groupSnapshot?: GroupSnapshot | null;
  /** The last run, and the last run that changed something (lists show them without reading the history). */
  readonly lastRun?: RunSummary | null;
  readonly lastChange?: RunSummary | null;
  /** Group members after, and collection members seen by, the last run that read both sides. */
  readonly groupSize?: number | null;
  readonly collectionSize?: number | null;
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
    groupSnapshot: null,
    lastRun: null,
    lastChange: null,
    groupSize: null,
    collectionSize: null,
    etag: null,
  };
}

/** What the scheduler needs of a mapping's state: whether it may be planned. */
export interface SchedulingState {
  readonly mappingKey: string;
  readonly health: MappingHealth;
  readonly lease: Lease | null;
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
  /** Deletes the state and its group snapshots. */
  delete(mappingKey: string): Promise<void>;
  /** Every stored state (all mappings), or those written at or after `changedSince` (the store's write time). */
  listAll(options?: { readonly changedSince?: Date }): AsyncIterable<MappingState>;
  /**
   * Health and lease of every stored state, in pages (one query per ~1,000 mappings): a scheduler tick over
   * 10,000 mappings reads them in ten requests, not 10,000. Mappings without a stored state are absent.
   */
  listSchedulingStates?(): AsyncIterable<SchedulingState>;
  /** Group snapshots kept with the state; without it every run that is not skipped reads the group in full. */
  readonly snapshots?: MemberSnapshotStore;
}

import type { Mapping } from "../core/mapping.js";
import type { Clock } from "../core/ports/clock.js";
import type { DirectoryProvider } from "../core/ports/directory.js";
import type { Ledger } from "../core/ports/ledger.js";
import { LEASE_MARGIN_SECONDS, type MappingStateStore } from "../core/ports/mappingState.js";
import type { MappingStore } from "../core/ports/mappingStore.js";
import type { MembershipSourceProvider } from "../core/ports/membershipSource.js";
import type { ResolutionCache } from "../core/ports/resolutionCache.js";
import type { RunStore } from "../core/ports/runStore.js";
import type { StateChangeSink } from "../core/ports/stateChanges.js";
import type { RunTrigger } from "../core/syncRun.js";
import type { Logger } from "../logger.js";

/** App-wide defaults a mapping may override. */
export interface SyncPolicy {
  readonly removalThresholdPercent: number;
  readonly removalThresholdCount: number;
  /** How long one run may take (function timeout minus margin). */
  readonly timeBudgetMs: number;
  /** How long a worker's lease on a mapping lasts if it dies without releasing it. */
  readonly leaseMs: number;
  readonly resolutionTtlMs: number;
  /** SOURCE_MODE=pushed: a snapshot older than this blocks removals (`source-stale`). */
  readonly snapshotMaxAgeMs: number;
  /**
   * SOURCE_IDENTITY_RECHECK_MINUTES: a collection whose last run skipped members that are not in Entra (yet) is read
   * again after this long even when it did not change, so a device that joins Entra later is added. Default 1 h.
   */
  readonly sourceRecheckMs?: number;
  /** How many members a run's report lists at most (REPORT_MAX_ENTRIES; smaller in tests). */
  readonly reportMaxEntries?: number;
}

/** SOURCE_IDENTITY_RECHECK_MINUTES' default. */
export const DEFAULT_SOURCE_RECHECK_MS = 60 * 60_000;

/** Everything the sync engine talks to; built once per process by the composition root. */
export interface SyncDeps {
  readonly mappings: MappingStore;
  readonly sources: MembershipSourceProvider;
  readonly directories: DirectoryProvider;
  readonly state: MappingStateStore;
  readonly runs: RunStore;
  readonly ledger: Ledger;
  readonly resolution: ResolutionCache | null;
  readonly clock: Clock;
  readonly log: Logger;
  readonly policy: SyncPolicy;
  /** Where state changes (blocked, degraded, quarantined, recovered) are reported; absent: notifications off. */
  readonly notifier?: StateChangeSink;
}

export interface SyncRequest {
  readonly collectionId: string;
  readonly groupId: string;
  readonly trigger: RunTrigger;
  /** Plan only: read both sides, write nothing, return the exact changes as `preview`. */
  readonly dryRun?: boolean;
  /** Identifies the worker holding the lease (defaults to a random id). */
  readonly workerId?: string;
  /** With dryRun: plan for this mapping as it would be created, instead of the stored one (nothing is stored). */
  readonly draft?: Mapping;
}

/** Where the engine keeps its records (the Table Storage adapters, in production). */
export type SyncStores = Pick<SyncDeps, "mappings" | "state" | "runs" | "ledger" | "resolution">;

/** The engine's dependencies from the stores plus the service adapters. */
export function syncDepsFrom(stores: SyncStores, parts: Omit<SyncDeps, keyof SyncStores>): SyncDeps {
  return {
    mappings: stores.mappings,
    state: stores.state,
    runs: stores.runs,
    ledger: stores.ledger,
    resolution: stores.resolution,
    ...parts,
  };
}

/** App-wide policy from the settings' numbers (seconds and minutes in settings, milliseconds here). */
export function syncPolicyFrom(settings: {
  readonly REMOVAL_THRESHOLD_PERCENT: number;
  readonly REMOVAL_THRESHOLD_COUNT: number;
  readonly SYNC_TIME_BUDGET_SECONDS: number;
  readonly RESOLUTION_CACHE_TTL_MINUTES: number;
  readonly SNAPSHOT_MAX_AGE_MINUTES: number;
  readonly SOURCE_IDENTITY_RECHECK_MINUTES: number;
}): SyncPolicy {
  const timeBudgetMs = settings.SYNC_TIME_BUDGET_SECONDS * 1000;
  return {
    removalThresholdPercent: settings.REMOVAL_THRESHOLD_PERCENT,
    removalThresholdCount: settings.REMOVAL_THRESHOLD_COUNT,
    timeBudgetMs,
    // A worker that dies keeps the mapping for its time budget plus a margin, never longer.
    leaseMs: timeBudgetMs + LEASE_MARGIN_SECONDS * 1000,
    resolutionTtlMs: settings.RESOLUTION_CACHE_TTL_MINUTES * 60_000,
    snapshotMaxAgeMs: settings.SNAPSHOT_MAX_AGE_MINUTES * 60_000,
    sourceRecheckMs: settings.SOURCE_IDENTITY_RECHECK_MINUTES * 60_000,
  };
}

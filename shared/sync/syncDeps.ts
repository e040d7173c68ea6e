import type { MembershipSourceProvider } from "../configmgr/membershipSource.js";
import type { DirectoryProvider } from "../graph/directory.js";
import type { Logger } from "../logger.js";
import type { MappingStore } from "../mappings/mappingStore.js";
import type { Clock } from "./clock.js";
import type { Ledger } from "./ledger.js";
import type { MappingStateStore } from "./mappingState.js";
import type { ResolutionCache } from "./resolutionCache.js";
import type { RunStore } from "./runStore.js";
import type { RunTrigger } from "./syncRun.js";

/** App-wide defaults a mapping may override. */
export interface SyncPolicy {
  readonly removalThresholdPercent: number;
  readonly removalThresholdCount: number;
  /** How long one run may take (function timeout minus margin). */
  readonly timeBudgetMs: number;
  /** How long a worker's lease on a mapping lasts if it dies without releasing it. */
  readonly leaseMs: number;
  readonly resolutionTtlMs: number;
}

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
}

export interface SyncRequest {
  readonly collectionId: string;
  readonly groupId: string;
  readonly trigger: RunTrigger;
  /** Plan only: read both sides, write nothing, return the exact changes as `preview`. */
  readonly dryRun?: boolean;
  /** Identifies the worker holding the lease (defaults to a random id). */
  readonly workerId?: string;
}

import { approveBlockedChange } from "../sync/approval.js";
import { DEFAULT_SOURCE_RECHECK_MS, type SyncDeps, type SyncRequest } from "../sync/syncDeps.js";
import type { SyncRun } from "../core/syncRun.js";
import type { ApiDeps } from "./apiTypes.js";
import type { SnapshotStore } from "../snapshots/snapshotStore.js";
import { createSnapshotService } from "../snapshots/snapshotService.js";

/** The API's dependencies: the engine's stores and adapters, plus the queue, health probes and caller rules. */
export function apiDepsFrom(
  sync: SyncDeps,
  parts: Pick<ApiDeps, "queue" | "health" | "diagnose" | "auth" | "notificationHealth" | "collections"> & {
    readonly runSync: (request: SyncRequest) => Promise<SyncRun>;
    /** Where collector snapshots are kept; they feed the syncs when the engine's source is `pushed`. */
    readonly snapshotStore: SnapshotStore;
  },
): ApiDeps {
  return {
    mappings: sync.mappings,
    directories: sync.directories,
    sources: sync.sources,
    collections: parts.collections,
    runs: sync.runs,
    state: sync.state,
    ledger: sync.ledger,
    queue: parts.queue,
    snapshots: createSnapshotService({
      store: parts.snapshotStore,
      mappings: sync.mappings,
      queue: parts.queue,
      clock: sync.clock,
      log: sync.log,
      pushed: sync.sources.kind === "pushed",
      maxAgeMs: sync.policy.snapshotMaxAgeMs,
      recheckMs: sync.policy.sourceRecheckMs ?? DEFAULT_SOURCE_RECHECK_MS,
    }),
    sync: parts.runSync,
    approve: (ref, by) => approveBlockedChange({ state: sync.state, clock: sync.clock, log: sync.log }, ref, by),
    health: parts.health,
    ...(parts.diagnose === undefined ? {} : { diagnose: parts.diagnose }),
    ...(parts.notificationHealth === undefined ? {} : { notificationHealth: parts.notificationHealth }),
    clock: sync.clock,
    log: sync.log,
    auth: parts.auth,
  };
}

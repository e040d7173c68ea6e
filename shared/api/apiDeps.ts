import { approveBlockedChange } from "../sync/approval.js";
import type { SyncDeps, SyncRequest } from "../sync/syncDeps.js";
import type { SyncRun } from "../sync/syncRun.js";
import type { ApiDeps } from "./apiTypes.js";

/** The API's dependencies: the engine's stores and adapters, plus the queue, health probes and caller rules. */
export function apiDepsFrom(
  sync: SyncDeps,
  parts: Pick<ApiDeps, "queue" | "health" | "auth" | "collections"> & { readonly runSync: (request: SyncRequest) => Promise<SyncRun> },
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
    sync: parts.runSync,
    approve: (ref, by) => approveBlockedChange({ state: sync.state, clock: sync.clock, log: sync.log }, ref, by),
    health: parts.health,
    clock: sync.clock,
    log: sync.log,
    auth: parts.auth,
  };
}

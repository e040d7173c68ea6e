import { createAdminServiceSourceProvider } from "../../shared/configmgr/adminServiceSource.js";
import { createPushedSourceProvider } from "../../shared/snapshots/pushedSource.js";
import { createGraphDirectoryProvider } from "../../shared/graph/graphDirectoryProvider.js";
import { silentLogger, type Logger } from "../../shared/logger.js";
import type { Mapping } from "../../shared/core/mapping.js";
import type { Notifier } from "../../shared/notify/notifications.js";
import type { TableStores, TableStoresOptions } from "../../shared/storage/tableStores.js";
import { systemClock, type Clock } from "../../shared/core/ports/clock.js";
import { syncDepsFrom, type SyncDeps, type SyncPolicy } from "../../shared/sync/syncDeps.js";
import { syncMapping } from "../../shared/sync/syncMapping.js";
import type { RunTrigger, SyncRun } from "../../shared/core/syncRun.js";
import { startSimulatedTenant, type SimulatedTenant, type SimulatedTenantOptions, type SimulatorSeed } from "../../simulator/index.js";
import { freshStores } from "../storage/freshStores.js";
import { newMapping } from "./newMapping.js";

export interface SyncHarness {
  readonly tenant: SimulatedTenant;
  readonly stores: TableStores;
  readonly deps: SyncDeps;
  addMapping(mapping: Partial<Mapping> & Pick<Mapping, "collectionId" | "groupId">): Promise<Mapping>;
  sync(ref: { collectionId: string; groupId: string }, options?: { dryRun?: boolean; trigger?: RunTrigger; workerId?: string }): Promise<SyncRun>;
  /** Graph requests the simulator saw with this method and path fragment (sub-requests of `$batch` included). */
  graphCalls(method: string, pathIncludes: string): number;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly seed: SimulatorSeed;
  readonly policy?: Partial<SyncPolicy>;
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly simulator?: Omit<SimulatedTenantOptions, "seed">;
  readonly maxConcurrency?: number;
  /** SOURCE_MODE=pushed: members come from collector snapshots in the test's tables, not the AdminService. */
  readonly pushed?: boolean;
  /** Options of the test's Table stores (cache lifetimes). */
  readonly stores?: TableStoresOptions;
  /** Wires notifications to the engine, given the harness's stores (their outbox). */
  readonly notifier?: (stores: TableStores) => Notifier;
}

/**
 * The real engine over the real adapters: the simulated tenant over HTTP (Graph SDK + fetch) and Table
 * Storage in the shared test Azurite, in tables of this test's own.
 */
export async function startSyncHarness(options: HarnessOptions): Promise<SyncHarness> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger;
  const tenant = await startSimulatedTenant({ seed: options.seed, ...(options.simulator ?? {}) });
  const stores = freshStores(options.stores);
  const deps: SyncDeps = syncDepsFrom(stores, {
    sources: options.pushed
      ? createPushedSourceProvider(stores.snapshots)
      : createAdminServiceSourceProvider({ baseUrl: tenant.adminServiceUrl, identityCache: stores.sourceIdentities, now: () => clock.now() }),
    directories: createGraphDirectoryProvider({
      baseUrl: tenant.graphBaseUrl,
      credentialFor: () => null,
      maxConcurrency: options.maxConcurrency ?? 4,
      clock,
      log,
    }),
    clock,
    log,
    ...(options.notifier === undefined ? {} : { notifier: options.notifier(stores) }),
    policy: {
      removalThresholdPercent: 20,
      removalThresholdCount: 500,
      timeBudgetMs: 25 * 60_000,
      leaseMs: 26 * 60_000,
      resolutionTtlMs: 24 * 3_600_000,
      snapshotMaxAgeMs: 30 * 60_000,
      ...options.policy,
    },
  });
  return {
    tenant,
    stores,
    deps,
    addMapping: (partial) => {
      const now = new Date(clock.now()).toISOString();
      return stores.mappings.create(newMapping({ createdAt: now, updatedAt: now, createdBy: "test", updatedBy: "test", ...partial }));
    },
    sync: (ref, syncOptions = {}) => syncMapping(deps, { ...ref, trigger: syncOptions.trigger ?? "manual", ...syncOptions }),
    graphCalls: (method, pathIncludes) =>
      tenant.requestLog.filter((entry) => entry.service === "graph" && entry.method === method && entry.path.includes(pathIncludes)).length,
    close: () => tenant.close(),
  };
}

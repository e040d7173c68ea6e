/**
 * What the sync scenarios run on: the simulated tenant (realistic latency, docs/service-facts.md throttling; in a child
 * process), Table Storage in an embedded in-memory Azurite, and the product's real adapters and engine wired the
 * way `functions/composeServices.ts` does.
 */
import { createAdminServiceSourceProvider } from "../shared/configmgr/adminServiceSource.js";
import { createGraphDirectoryProvider } from "../shared/graph/graphDirectoryProvider.js";
import { sharedBudgetBook } from "../shared/graph/sharedBudgetBook.js";
import { silentLogger, type Logger } from "../shared/logger.js";
import type { Mapping } from "../shared/core/mapping.js";
import { createMappingSchema } from "../shared/mappings/mappingInput.js";
import { startEmbeddedAzurite, type EmbeddedAzurite } from "../shared/storage/embeddedAzurite.js";
import { createTableStores, type TableStores } from "../shared/storage/tableStores.js";
import { systemClock } from "../shared/core/ports/clock.js";
import type { SyncDeps } from "../shared/sync/syncDeps.js";
import { measureDirectories, type DirectoryWatch } from "./measuredDirectories.js";
import type { BenchOptions } from "./options.js";
import type { BenchTenant } from "./remoteTenant.js";

/** The product's defaults (shared/config/settings.ts). */
const DAY_MS = 24 * 3_600_000;
const TIME_BUDGET_MS = 1_500_000;

export interface Rig {
  readonly tenant: BenchTenant;
  readonly stores: TableStores;
  readonly deps: SyncDeps;
  readonly watch: DirectoryWatch;
  /** Warnings the engine logged (throttling, retries), counted. */
  readonly warnings: Map<string, number>;
}

export async function startAzurite(): Promise<EmbeddedAzurite> {
  return startEmbeddedAzurite();
}

export function startRig(tenant: BenchTenant, options: BenchOptions, azurite: EmbeddedAzurite, tablePrefix: string): Rig {
  const engine = createEngine(siteOf(tenant, azurite.connectionString, tablePrefix, options.graphConcurrency));
  return { tenant, ...engine };
}

/** Where an engine finds its tenant and its storage: enough for a worker process to build its own. */
export interface EngineSite {
  readonly graphBaseUrl: string;
  readonly adminServiceUrl: string;
  readonly connectionString: string;
  readonly tablePrefix: string;
  readonly graphConcurrency: number;
  /** Table Storage time limit per call (default: the product's TABLES_TIMEOUT_SECONDS default). */
  readonly tableTimeoutMs?: number;
}

/** An engine's site on a simulated tenant, its Table Storage (Azurite or a proxy in front of it) and its own tables. */
export function siteOf(
  tenant: Pick<BenchTenant, "graphBaseUrl" | "adminServiceUrl">,
  connectionString: string,
  tablePrefix: string,
  graphConcurrency: number,
): EngineSite {
  return { graphBaseUrl: tenant.graphBaseUrl, adminServiceUrl: tenant.adminServiceUrl, connectionString, tablePrefix, graphConcurrency };
}

export type Engine = Omit<Rig, "tenant">;

/** The real adapters and engine over one Azurite and one simulated tenant, as one app instance has them. */
export function createEngine(site: EngineSite): Engine {
  const tablePrefix = site.tablePrefix;
  const stores = createTableStores(
    { connectionString: site.connectionString },
    {
      tablePrefix,
      resolutionTtlMs: DAY_MS,
      ...(site.tableTimeoutMs === undefined ? {} : { operationTimeoutMs: site.tableTimeoutMs }),
    },
  );
  const warnings = new Map<string, number>();
  const log: Logger = { ...silentLogger, warn: (message) => void warnings.set(message, (warnings.get(message) ?? 0) + 1) };
  const graph = createGraphDirectoryProvider({
    baseUrl: site.graphBaseUrl,
    credentialFor: () => null,
    maxConcurrency: site.graphConcurrency,
    clock: systemClock,
    log,
    budgetBook: (tenantKey) => sharedBudgetBook(stores.budget, tenantKey, { clock: systemClock, log }),
  });
  const { provider, watch } = measureDirectories(graph);
  const deps: SyncDeps = {
    mappings: stores.mappings,
    sources: createAdminServiceSourceProvider({ baseUrl: site.adminServiceUrl, identityCache: stores.sourceIdentities }),
    directories: provider,
    state: stores.state,
    runs: stores.runs,
    ledger: stores.ledger,
    resolution: stores.resolution,
    clock: systemClock,
    log,
    policy: {
      removalThresholdPercent: 20,
      removalThresholdCount: 500,
      timeBudgetMs: TIME_BUDGET_MS,
      leaseMs: TIME_BUDGET_MS + 60_000,
      resolutionTtlMs: DAY_MS,
      snapshotMaxAgeMs: 30 * 60_000,
    },
  };
  return { stores, deps, watch, warnings };
}

/** A device mapping as the API would create it: the API's defaults (additive, enabled, home tenant) plus names. */
export function benchMapping(collectionId: string, groupId: string): Omit<Mapping, "etag"> {
  const at = new Date().toISOString();
  const input = createMappingSchema.parse({ collectionId, groupId });
  return { ...input, collectionName: null, groupName: null, memberType: "device", createdAt: at, createdBy: "bench", updatedAt: at, updatedBy: "bench" };
}

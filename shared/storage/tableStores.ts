import type { BudgetStore } from "../graph/sharedBudgetBook.js";
import type { MappingStore } from "../core/ports/mappingStore.js";
import type { NotificationOutbox } from "../notify/outbox.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { MappingStateStore } from "../core/ports/mappingState.js";
import type { ResolutionCache } from "../core/ports/resolutionCache.js";
import type { SourceIdentityCache } from "../configmgr/sourceIdentityCache.js";
import type { RunStore } from "../core/ports/runStore.js";
import { createBudgetTable } from "./budgetTable.js";
import { createLedgerTable } from "./ledgerTable.js";
import { createMappingStateTable } from "./mappingStateTable.js";
import { createMappingTable } from "./mappingTable.js";
import { createNotificationTable } from "./notificationTable.js";
import { createResolutionTable } from "./resolutionTable.js";
import { createRunTable } from "./runTable.js";
import { createSourceIdentityTable } from "./sourceIdentityTable.js";
import { createSnapshotTable } from "./snapshotTable.js";
import type { SnapshotStore } from "../snapshots/snapshotStore.js";
import type { TableAccessOptions, TablesConnection } from "./tableAccess.js";
import { openTable } from "./tableAccess.js";

export type { TablesConnection } from "./tableAccess.js";

export interface TableStoresOptions extends TableAccessOptions {
  /** How long a resolution cache entry is trusted; default 24 h. */
  readonly resolutionTtlMs?: number;
  /** How long a "not in Entra" entry is trusted (at most resolutionTtlMs); default resolutionTtlMs. */
  readonly resolutionNotFoundTtlMs?: number;
  /** Source identities older than this are dropped when their bucket is rewritten; default 14 days. */
  readonly sourceIdentityRetainMs?: number;
  /** How long runs and their per-member reports are kept; default 90 days. */
  readonly runRetentionMs?: number;
}

/** Every store the product keeps in Table Storage (docs/storage.md), over one account. */
export interface TableStores {
  readonly mappings: MappingStore;
  readonly runs: RunStore;
  readonly state: MappingStateStore;
  readonly ledger: Ledger;
  readonly resolution: ResolutionCache;
  readonly sourceIdentities: SourceIdentityCache;
  /** Each tenant's Graph budget, shared by every instance of the app. */
  readonly budget: BudgetStore;
  /** Collector snapshots (SOURCE_MODE=pushed). */
  readonly snapshots: SnapshotStore;
  /** Notifications waiting for delivery, and their recent delivery history. */
  readonly notifications: NotificationOutbox;
  /** Creates any missing table and runs one cheap query: throws when storage is unreachable or refuses us. */
  ping(): Promise<void>;
}

export const TABLE_NAMES = {
  mappings: "mappings",
  runs: "runs",
  runReports: "runReports",
  state: "mappingState",
  ledger: "ledger",
  resolution: "resolution",
  sourceIdentities: "sourceIdentity",
  budget: "graphBudget",
  snapshots: "snapshots",
  notifications: "notifications",
} as const;

const DEFAULT_RESOLUTION_TTL_MS = 24 * 60 * 60 * 1000;
const DEFAULT_SOURCE_IDENTITY_RETAIN_MS = 14 * 24 * 60 * 60 * 1000;
const DEFAULT_RUN_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

export function createTableStores(connection: TablesConnection, options: TableStoresOptions = {}): TableStores {
  const tables = {
    mappings: openTable(connection, TABLE_NAMES.mappings, options),
    runs: openTable(connection, TABLE_NAMES.runs, options),
    runReports: openTable(connection, TABLE_NAMES.runReports, options),
    state: openTable(connection, TABLE_NAMES.state, options),
    ledger: openTable(connection, TABLE_NAMES.ledger, options),
    resolution: openTable(connection, TABLE_NAMES.resolution, options),
    sourceIdentities: openTable(connection, TABLE_NAMES.sourceIdentities, options),
    budget: openTable(connection, TABLE_NAMES.budget, options),
    snapshots: openTable(connection, TABLE_NAMES.snapshots, options),
    notifications: openTable(connection, TABLE_NAMES.notifications, options),
  };
  const mappings = createMappingTable(tables.mappings);
  return {
    mappings,
    runs: createRunTable(tables.runs, tables.runReports, { retentionMs: options.runRetentionMs ?? DEFAULT_RUN_RETENTION_MS }),
    state: createMappingStateTable(tables.state),
    ledger: createLedgerTable(tables.ledger),
    resolution: createResolutionTable(
      tables.resolution,
      options.resolutionTtlMs ?? DEFAULT_RESOLUTION_TTL_MS,
      options.resolutionNotFoundTtlMs ?? options.resolutionTtlMs ?? DEFAULT_RESOLUTION_TTL_MS,
    ),
    sourceIdentities: createSourceIdentityTable(tables.sourceIdentities, { retainMs: options.sourceIdentityRetainMs ?? DEFAULT_SOURCE_IDENTITY_RETAIN_MS }),
    budget: createBudgetTable(tables.budget),
    snapshots: createSnapshotTable(tables.snapshots),
    notifications: createNotificationTable(tables.notifications),
    async ping() {
      await Promise.all(Object.values(tables).map((table) => table.ready()));
      await mappings.list({ pageSize: 1 });
    },
  };
}

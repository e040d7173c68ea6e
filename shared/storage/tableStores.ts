import type { BudgetStore } from "../graph/sharedBudgetBook.js";
import type { MappingStore } from "../mappings/mappingStore.js";
import type { Ledger } from "../sync/ledger.js";
import type { MappingStateStore } from "../sync/mappingState.js";
import type { ResolutionCache } from "../sync/resolutionCache.js";
import type { RunStore } from "../sync/runStore.js";
import { createBudgetTable } from "./budgetTable.js";
import { createLedgerTable } from "./ledgerTable.js";
import { createMappingStateTable } from "./mappingStateTable.js";
import { createMappingTable } from "./mappingTable.js";
import { createResolutionTable } from "./resolutionTable.js";
import { createRunTable } from "./runTable.js";
import type { TableAccessOptions, TablesConnection } from "./tableAccess.js";
import { openTable } from "./tableAccess.js";

export type { TablesConnection } from "./tableAccess.js";

export interface TableStoresOptions extends TableAccessOptions {
  /** How long a resolution cache entry (positive or negative) is trusted; default 24 h. */
  readonly resolutionTtlMs?: number;
}

/** Every store the product keeps in Table Storage (DESIGN §3), over one account. */
export interface TableStores {
  readonly mappings: MappingStore;
  readonly runs: RunStore;
  readonly state: MappingStateStore;
  readonly ledger: Ledger;
  readonly resolution: ResolutionCache;
  /** Each tenant's Graph budget, shared by every instance of the app. */
  readonly budget: BudgetStore;
  /** Creates any missing table and runs one cheap query: throws when storage is unreachable or refuses us. */
  ping(): Promise<void>;
}

export const TABLE_NAMES = {
  mappings: "mappings",
  runs: "runs",
  state: "mappingState",
  ledger: "ledger",
  resolution: "resolution",
  budget: "graphBudget",
} as const;

const DEFAULT_RESOLUTION_TTL_MS = 24 * 60 * 60 * 1000;

export function createTableStores(connection: TablesConnection, options: TableStoresOptions = {}): TableStores {
  const tables = {
    mappings: openTable(connection, TABLE_NAMES.mappings, options),
    runs: openTable(connection, TABLE_NAMES.runs, options),
    state: openTable(connection, TABLE_NAMES.state, options),
    ledger: openTable(connection, TABLE_NAMES.ledger, options),
    resolution: openTable(connection, TABLE_NAMES.resolution, options),
    budget: openTable(connection, TABLE_NAMES.budget, options),
  };
  const mappings = createMappingTable(tables.mappings);
  return {
    mappings,
    runs: createRunTable(tables.runs),
    state: createMappingStateTable(tables.state),
    ledger: createLedgerTable(tables.ledger),
    resolution: createResolutionTable(tables.resolution, options.resolutionTtlMs ?? DEFAULT_RESOLUTION_TTL_MS),
    budget: createBudgetTable(tables.budget),
    async ping() {
      await Promise.all(Object.values(tables).map((table) => table.ready()));
      await mappings.list({ pageSize: 1 });
    },
  };
}

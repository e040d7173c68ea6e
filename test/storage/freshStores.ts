import { createTableStores, type TableStores, type TableStoresOptions } from "../../shared/storage/tableStores.js";
import { testTablesConnection, uniqueTablePrefix } from "../support/tables.js";

/** Stores over the shared test Azurite, in tables no other test uses. */
export function freshStores(options: Omit<TableStoresOptions, "tablePrefix"> = {}): TableStores {
  return createTableStores({ connectionString: testTablesConnection() }, { tablePrefix: uniqueTablePrefix(), ...options });
}

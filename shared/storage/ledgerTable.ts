import { odata } from "@azure/data-tables";
import type { Ledger } from "../sync/ledger.js";
import type { LazyTable } from "./tableAccess.js";
import { deleteAllRows, upsertAll } from "./tableBatches.js";
import { assertTableKey, assertTableKeys } from "./tableKeys.js";
import { readAllEntities } from "./tablePaging.js";

/**
 * `ledger`: PartitionKey mappingKey, RowKey the member's object id; one empty entity per member this app added.
 * Writes go in transactions of 100 (one partition), idempotently: adding twice or removing a missing member is
 * not an error, so a retried run never fails on its own earlier progress.
 */
export function createLedgerTable(table: LazyTable): Ledger {
  async function list(mappingKey: string): Promise<Set<string>> {
    const partitionKey = assertTableKey(mappingKey, "mappingKey");
    const client = await table.ready();
    const members = new Set<string>();
    for await (const entity of readAllEntities(client, { filter: odata`PartitionKey eq ${partitionKey}`, select: ["RowKey"] })) {
      if (entity.rowKey !== undefined) members.add(entity.rowKey);
    }
    return members;
  }

  return {
    list,

    async add(mappingKey, objectIds) {
      const partitionKey = assertTableKey(mappingKey, "mappingKey");
      const rowKeys = assertTableKeys(objectIds, "member object id");
      if (rowKeys.length === 0) return;
      const client = await table.ready();
      await upsertAll(client, rowKeys.map((rowKey) => ({ partitionKey, rowKey })));
    },

    async remove(mappingKey, objectIds) {
      const partitionKey = assertTableKey(mappingKey, "mappingKey");
      const rowKeys = assertTableKeys(objectIds, "member object id");
      if (rowKeys.length === 0) return;
      const client = await table.ready();
      await deleteAllRows(client, partitionKey, rowKeys);
    },

    async deleteAll(mappingKey) {
      const members = await list(mappingKey);
      const client = await table.ready();
      await deleteAllRows(client, mappingKey, [...members]);
    },
  };
}

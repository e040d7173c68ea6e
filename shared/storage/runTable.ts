import { odata } from "@azure/data-tables";
import type { RunStore } from "../sync/runStore.js";
import type { LazyTable } from "./tableAccess.js";
import { deleteAllRows } from "./tableBatches.js";
import { assertTableKey } from "./tableKeys.js";
import { pageSizeOf, readAllEntities, readEntityPage, unwrapContinuationToken, wrapContinuationToken } from "./tablePaging.js";
import { runFromEntity, runToEntity } from "./runEntity.js";

/** `runs`: PartitionKey mappingKey, RowKey inverted start time + run id, so a partition lists newest first. */
export function createRunTable(table: LazyTable): RunStore {
  return {
    async record(run) {
      const entity = runToEntity(run);
      const client = await table.ready();
      // Keyed by its run id: recording the same run again (a retried call) rewrites the same row, harmlessly.
      await client.upsertEntity(entity, "Replace");
    },

    async list(mappingKey, options = {}) {
      const partitionKey = assertTableKey(mappingKey, "mappingKey");
      const pageSize = pageSizeOf(options.pageSize);
      const sdkToken = unwrapContinuationToken("runs", options.continuationToken);
      const client = await table.ready();
      const page = await readEntityPage<Record<string, unknown>>(client, { filter: odata`PartitionKey eq ${partitionKey}` }, pageSize, sdkToken);
      return {
        items: page.entities.map(runFromEntity),
        continuationToken: wrapContinuationToken("runs", page.continuationToken),
      };
    },

    async deleteAll(mappingKey) {
      const partitionKey = assertTableKey(mappingKey, "mappingKey");
      const client = await table.ready();
      const rowKeys: string[] = [];
      for await (const entity of readAllEntities(client, { filter: odata`PartitionKey eq ${partitionKey}`, select: ["RowKey"] })) {
        if (entity.rowKey !== undefined) rowKeys.push(entity.rowKey);
      }
      await deleteAllRows(client, partitionKey, rowKeys);
    },
  };
}

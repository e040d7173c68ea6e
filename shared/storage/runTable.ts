import { odata } from "@azure/data-tables";
import type { RunStore } from "../core/ports/runStore.js";
import type { LazyTable } from "./tableAccess.js";
import { deleteAllRows } from "./tableBatches.js";
import { assertTableKey } from "./tableKeys.js";
import { pageSizeOf, readAllEntities, readEntityPage, unwrapContinuationToken, wrapContinuationToken } from "./tablePaging.js";
import { invertedTime, runFromEntity, runToEntity } from "./runEntity.js";
import { deleteReports, readReport, writeReport } from "./runReportTable.js";

export interface RunTableOptions {
  /**
   * Runs (and their reports) that started this long before a newly recorded run of the same mapping are deleted
   * then: measured from the new run, so history is never cut by a clock but by the mapping's own runs.
   */
  readonly retentionMs: number;
}

/**
 * `runs`: PartitionKey mappingKey, RowKey inverted start time + run id, so a partition lists newest first.
 * `runReports` holds each run's per-member report under RowKeys that start with the run's RowKey.
 */
export function createRunTable(table: LazyTable, reports: LazyTable, options: RunTableOptions): RunStore {
  async function findRowKey(partitionKey: string, runId: string): Promise<{ rowKey: string; entity: Record<string, unknown> } | null> {
    const client = await table.ready();
    for await (const entity of readAllEntities<Record<string, unknown>>(client, { filter: odata`PartitionKey eq ${partitionKey} and runId eq ${runId}` })) {
      if (entity.rowKey !== undefined) return { rowKey: entity.rowKey, entity };
    }
    return null;
  }

  /** Older runs sort after the cut-off's RowKey (inverted time): one range query per table, usually empty. */
  async function prune(partitionKey: string, newestStartedAt: string): Promise<void> {
    const after = invertedTime(Date.parse(newestStartedAt) - options.retentionMs);
    const client = await table.ready();
    const rowKeys: string[] = [];
    for await (const entity of readAllEntities(client, { filter: odata`PartitionKey eq ${partitionKey} and RowKey gt ${after}`, select: ["RowKey"] })) {
      if (entity.rowKey !== undefined) rowKeys.push(entity.rowKey);
    }
    await deleteAllRows(client, partitionKey, rowKeys);
    await deleteReports(await reports.ready(), partitionKey, { after });
  }

  return {
    async record(run, report) {
      const entity = runToEntity(run);
      if (report !== undefined) await writeReport(await reports.ready(), entity.partitionKey, entity.rowKey, report);
      const client = await table.ready();
      // Keyed by its run id: recording the same run again (a retried call) rewrites the same row, harmlessly.
      await client.upsertEntity(entity, "Replace");
      await prune(entity.partitionKey, run.startedAt);
    },

    async list(mappingKey, listOptions = {}) {
      const partitionKey = assertTableKey(mappingKey, "mappingKey");
      const pageSize = pageSizeOf(listOptions.pageSize);
      const sdkToken = unwrapContinuationToken("runs", listOptions.continuationToken);
      const client = await table.ready();
      const page = await readEntityPage<Record<string, unknown>>(client, { filter: odata`PartitionKey eq ${partitionKey}` }, pageSize, sdkToken);
      return {
        items: page.entities.map(runFromEntity),
        continuationToken: wrapContinuationToken("runs", page.continuationToken),
      };
    },

    async get(mappingKey, runId) {
      const found = await findRowKey(assertTableKey(mappingKey, "mappingKey"), assertTableKey(runId, "runId"));
      return found === null ? null : runFromEntity(found.entity);
    },

    async report(mappingKey, runId) {
      const partitionKey = assertTableKey(mappingKey, "mappingKey");
      const found = await findRowKey(partitionKey, assertTableKey(runId, "runId"));
      return found === null ? null : readReport(await reports.ready(), partitionKey, found.rowKey);
    },

    async deleteAll(mappingKey) {
      const partitionKey = assertTableKey(mappingKey, "mappingKey");
      const client = await table.ready();
      const rowKeys: string[] = [];
      for await (const entity of readAllEntities(client, { filter: odata`PartitionKey eq ${partitionKey}`, select: ["RowKey"] })) {
        if (entity.rowKey !== undefined) rowKeys.push(entity.rowKey);
      }
      await deleteAllRows(client, partitionKey, rowKeys);
      await deleteReports(await reports.ready(), partitionKey, { all: true });
    },
  };
}

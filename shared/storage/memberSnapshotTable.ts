import { randomBytes } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";
import type { MemberSnapshotStore } from "../core/ports/mappingState.js";
import { decodeManyIds, encodeManyIds, entitySized, fromProperties, PackingError, toProperties } from "./packing.js";
import type { LazyTable } from "./tableAccess.js";
import pMap from "p-map";
import { deleteRowIfPresent } from "./tableBatches.js";
import { assertTableKey } from "./tableKeys.js";
import { PACKED_PAGE_SIZE, readAllEntities } from "./tablePaging.js";

const ROW_PREFIX = "members-";
const ROWS_IN_FLIGHT = 8;

/**
 * Group-member snapshots beside a mapping's state (table `mappingState`, PartitionKey mappingKey, RowKeys
 * `members-<generation>-<piece>`): the ids packed (16 bytes per GUID), ≤ 600,000 bytes per row, so 100,000
 * members take three rows. A generation is written whole before the state points at it and is never changed
 * afterwards; older generations are pruned once the state has moved on, so a reader never sees half a snapshot.
 */
export function createMemberSnapshotTable(table: LazyTable): MemberSnapshotStore {
  const partitionOf = (mappingKey: string) => assertTableKey(mappingKey, "mappingKey");

  return {
    async write(mappingKey, members) {
      const partitionKey = partitionOf(mappingKey);
      const generation = `${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
      const pieces = entitySized(await encodeManyIds(members));
      const client = await table.ready();
      await pMap(
        pieces,
        (piece, index) => client.upsertEntity({ partitionKey, rowKey: rowKeyOf(generation, index), pieces: pieces.length, ...toProperties(piece) }, "Replace"),
        { concurrency: ROWS_IN_FLIGHT },
      );
      return generation;
    },

    async read(mappingKey, generation, count) {
      const partitionKey = partitionOf(mappingKey);
      const client = await table.ready();
      const prefix = `${ROW_PREFIX}${generation}-`;
      const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${prefix} and RowKey lt ${`${ROW_PREFIX}${generation}.`}`;
      const rows: { rowKey: string; pieces: unknown; data: Buffer | null }[] = [];
      for await (const entity of readAllEntities<Record<string, unknown>>(client, { filter }, PACKED_PAGE_SIZE)) {
        rows.push({ rowKey: entity.rowKey ?? "", pieces: entity["pieces"], data: fromProperties(entity) });
      }
      rows.sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
      // Every piece present, none damaged, and exactly the number of members the state recorded: else no snapshot.
      if (rows.some((row) => row.data === null || row.pieces !== rows.length)) return null;
      if (rows.length === 0 && count > 0) return null;
      try {
        const members = await decodeManyIds(Buffer.concat(rows.map((row) => row.data as Buffer)));
        return members.size === count ? members : null;
      } catch (error) {
        if (error instanceof PackingError) return null;
        throw error;
      }
    },

    async prune(mappingKey, keep) {
      const partitionKey = partitionOf(mappingKey);
      const client = await table.ready();
      await pruneRows(client, partitionKey, keep);
    },
  };
}

function rowKeyOf(generation: string, index: number): string {
  return `${ROW_PREFIX}${generation}-${String(index).padStart(4, "0")}`;
}

async function pruneRows(client: TableClient, partitionKey: string, keep: string | null): Promise<void> {
  const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${ROW_PREFIX} and RowKey lt ${"members."}`;
  const stale: string[] = [];
  for await (const entity of readAllEntities(client, { filter, select: ["RowKey"] })) {
    const rowKey = entity.rowKey;
    if (rowKey !== undefined && (keep === null || !rowKey.startsWith(`${ROW_PREFIX}${keep}-`))) stale.push(rowKey);
  }
  await pMap(stale, (rowKey) => deleteRowIfPresent(client, partitionKey, rowKey), { concurrency: ROWS_IN_FLIGHT });
}

import type { TableClient, TransactionAction } from "@azure/data-tables";
import { tableStatus } from "./tableErrors.js";

/** Entity group transactions take at most 100 operations, all in one partition (FACTS.md "Table Storage"). */
export const TRANSACTION_LIMIT = 100;
/** Transactions (or point operations) in flight at once for one call. */
const WIDTH = 8;

/** Runs `work` over `items` with at most `width` promises pending. */
export async function inWaves<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Upserts entities of one partition, 100 per atomic transaction. Idempotent: upsert ignores ETags. */
export async function upsertAll(client: TableClient, entities: readonly { partitionKey: string; rowKey: string }[]): Promise<void> {
  const unique = [...new Map(entities.map((e) => [e.rowKey, e])).values()]; // one operation per entity per transaction
  await inWaves(chunk(unique, TRANSACTION_LIMIT), WIDTH, async (part) => {
    await client.submitTransaction(part.map((entity): TransactionAction => ["upsert", entity, "Replace"]));
  });
}

/**
 * Deletes rows of one partition, 100 per transaction. A transaction fails as a whole when one row is already
 * gone (404), so that chunk is redone row by row, ignoring 404: deleting is idempotent for the caller.
 */
export async function deleteAllRows(client: TableClient, partitionKey: string, rowKeys: readonly string[]): Promise<void> {
  await inWaves(chunk([...new Set(rowKeys)], TRANSACTION_LIMIT), WIDTH, async (part) => {
    try {
      await client.submitTransaction(part.map((rowKey): TransactionAction => ["delete", { partitionKey, rowKey }]));
    } catch (error) {
      if (tableStatus(error) !== 404) throw error;
      await inWaves(part, WIDTH, (rowKey) => deleteRowIfPresent(client, partitionKey, rowKey));
    }
  });
}

export async function deleteRowIfPresent(client: TableClient, partitionKey: string, rowKey: string): Promise<void> {
  try {
    await client.deleteEntity(partitionKey, rowKey);
  } catch (error) {
    if (tableStatus(error) !== 404) throw error;
  }
}

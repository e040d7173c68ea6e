import type { TableClient, TransactionAction } from "@azure/data-tables";
import pMap from "p-map";
import { chunk } from "../batches.js";
import { tableStatus } from "./tableErrors.js";

/** Entity group transactions take at most 100 operations, all in one partition (docs/service-facts.md "Table Storage"). */
export const TRANSACTION_LIMIT = 100;
/** Transactions (or point operations) in flight at once for one call. */
const WIDTH = 8;

/**
 * Deletes rows of one partition, 100 per transaction. A transaction fails as a whole when one row is already
 * gone (404), so that chunk is redone row by row, ignoring 404: deleting is idempotent for the caller.
 */
export async function deleteAllRows(client: TableClient, partitionKey: string, rowKeys: readonly string[]): Promise<void> {
  await pMap(
    chunk([...new Set(rowKeys)], TRANSACTION_LIMIT),
    async (part) => {
      try {
        await client.submitTransaction(part.map((rowKey): TransactionAction => ["delete", { partitionKey, rowKey }]));
      } catch (error) {
        if (tableStatus(error) !== 404) throw error;
        await pMap(part, (rowKey) => deleteRowIfPresent(client, partitionKey, rowKey), { concurrency: WIDTH });
      }
    },
    { concurrency: WIDTH },
  );
}

export async function deleteRowIfPresent(client: TableClient, partitionKey: string, rowKey: string): Promise<void> {
  try {
    await client.deleteEntity(partitionKey, rowKey);
  } catch (error) {
    if (tableStatus(error) !== 404) throw error;
  }
}

import type { Ledger } from "../core/ports/ledger.js";
import { bucketOf, deleteBuckets, readBuckets, updateBuckets, type BucketLayout } from "./packedBuckets.js";
import { decodeIds, encodeIds } from "./packing.js";
import type { LazyTable } from "./tableAccess.js";
import { assertTableKey } from "./tableKeys.js";
import { forEachSliced, yieldToLoop } from "../eventLoop.js";

/** 256 buckets per mapping: 100,000 members are ~6 KB per bucket; a bucket fills past ~9 million members. */
const LAYOUT: BucketLayout = { buckets: 256, scanAbove: 32 };

/**
 * `ledger`: PartitionKey mappingKey; the object ids of members this app added, packed into buckets by id hash
 * (packedBuckets.ts), so recording 100,000 members takes a few hundred single-entity writes and listing them one
 * partition query. Idempotent: adding twice or removing a missing member is not an error, so a retried run never
 * fails on its own earlier progress. Ids are checked like keys (no `/ \ # ?` or control characters) before
 * anything is written.
 */
export function createLedgerTable(table: LazyTable): Ledger {
  async function change(mappingKey: string, objectIds: readonly string[], apply: (ids: Set<string>, wanted: readonly string[]) => void): Promise<void> {
    const partitionKey = assertTableKey(mappingKey, "mappingKey");
    if (objectIds.length === 0) return;
    // Every id is checked before anything is written; sliced, as a first sync records a million.
    const wanted = new Map<number, string[]>();
    await forEachSliced(objectIds, (value) => {
      const id = assertTableKey(value, "member object id");
      const bucket = bucketOf(id, LAYOUT.buckets);
      const list = wanted.get(bucket);
      if (list === undefined) wanted.set(bucket, [id]);
      else list.push(id);
    });
    const client = await table.ready();
    await updateBuckets(client, partitionKey, wanted.keys(), (bucket, current) => {
      const members = current === null ? new Set<string>() : decodeIds(current);
      const before = members.size;
      apply(members, wanted.get(bucket) ?? []);
      // Adding only adds and removing only removes: the same size means nothing changed, so nothing is written.
      if (current !== null && members.size === before) return current;
      return members.size === 0 ? null : encodeIds(members);
    });
  }

  return {
    async list(mappingKey) {
      const partitionKey = assertTableKey(mappingKey, "mappingKey");
      const client = await table.ready();
      const members = new Set<string>();
      // A bucket holds a few thousand ids, fewer than a slice: the event loop gets its turn between buckets
      // (a million-member ledger decoded in one go held it for over a second).
      for (const data of (await readBuckets(client, partitionKey, "all", LAYOUT)).values()) {
        await yieldToLoop();
        decodeIds(data, members);
      }
      return members;
    },

    add: (mappingKey, objectIds) => change(mappingKey, objectIds, (ids, wanted) => wanted.forEach((id) => ids.add(id))),

    remove: (mappingKey, objectIds) => change(mappingKey, objectIds, (ids, wanted) => wanted.forEach((id) => ids.delete(id))),

    async deleteAll(mappingKey) {
      const partitionKey = assertTableKey(mappingKey, "mappingKey");
      await deleteBuckets(await table.ready(), partitionKey);
    },
  };
}

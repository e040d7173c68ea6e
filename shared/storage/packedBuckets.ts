/**
 * Many small records of one partition kept in a fixed number of "bucket" entities (RowKey `bucket-NNN`), each
 * holding the packed records whose key hashes to it. 100,000 members become a few hundred entities: read with one
 * partition query, changed with one conditional write per touched bucket.
 *
 * Every change is a read-modify-write of one entity with its ETag (docs/service-facts.md "Table Storage": If-Match → 412 when
 * stale, insert of an existing key → 409), retried on conflict, so concurrent writers never lose each other's
 * records. Single-entity writes only: Azurite ignores If-Match inside transactions.
 */
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import { ConcurrencyError } from "../errors.js";
import { fromProperties, toProperties } from "./packing.js";
import pMap from "p-map";
import { deleteRowIfPresent, TRANSACTION_LIMIT } from "./tableBatches.js";
import { tableStatus } from "./tableErrors.js";
import { PACKED_PAGE_SIZE, readAllEntities } from "./tablePaging.js";
import { yieldToLoop } from "../eventLoop.js";

const ROW_PREFIX = "bucket-";
/** RowKeys of buckets sort between these two ('.' follows '-'). */
const ROW_FROM = "bucket-";
const ROW_TO = "bucket.";
/** Point reads (or writes) in flight at once. */
const IN_FLIGHT = 16;
/** Changing more buckets than this fetches the partition with one query first. */
const PREFETCH_ABOVE = 32;
/** Bytes of one entity group transaction at most (the service takes 4 MiB). */
const TRANSACTION_BYTES = 3_000_000;
/** Conflicting writers retried this often before giving up. */
const ATTEMPTS = 8;

export interface BucketLayout {
  /** Number of buckets (a power of two keeps the spread even). */
  readonly buckets: number;
  /** Reading more buckets than this one by one costs more than one partition query. */
  readonly scanAbove: number;
}

/** FNV-1a over the key's UTF-16 code units: fast, and even for GUIDs and UPNs alike. */
export function bucketOf(key: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % buckets;
}

function rowKeyOf(bucket: number): string {
  return `${ROW_PREFIX}${bucket.toString(16).padStart(4, "0")}`;
}

function bucketOfRow(rowKey: string | undefined): number | null {
  if (rowKey === undefined || !rowKey.startsWith(ROW_PREFIX)) return null;
  const bucket = Number.parseInt(rowKey.slice(ROW_PREFIX.length), 16);
  return Number.isInteger(bucket) ? bucket : null;
}

/** Groups items by the bucket of their key. */
export function byBucket<T>(items: Iterable<T>, keyOf: (item: T) => string, buckets: number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const bucket = bucketOf(keyOf(item), buckets);
    const list = out.get(bucket);
    if (list === undefined) out.set(bucket, [item]);
    else list.push(item);
  }
  return out;
}

/**
 * The packed contents of the wanted buckets (all of them when `wanted` is "all"); absent buckets are missing
 * from the map. Many buckets are read with one partition query instead of point reads.
 */
export async function readBuckets(
  client: TableClient,
  partitionKey: string,
  wanted: ReadonlySet<number> | "all",
  layout: BucketLayout,
): Promise<Map<number, Buffer>> {
  const found = new Map<number, Buffer>();
  if (wanted === "all" || wanted.size > layout.scanAbove) {
    for (const [bucket, { data }] of await readPartition(client, partitionKey)) {
      if (data.length > 0 && (wanted === "all" || wanted.has(bucket))) found.set(bucket, data);
    }
    return found;
  }
  await pMap(
    wanted,
    async (bucket) => {
      const entity = await readOne(client, partitionKey, bucket);
      if (entity !== null) found.set(bucket, entity.data);
    },
    { concurrency: IN_FLIGHT },
  );
  return found;
}

/**
 * Changes buckets: `change` gets a bucket's current bytes (null when absent) and returns the new bytes, the
 * same buffer to leave it as it is, or null to delete it. Re-run on a conflicting write, after a short random
 * pause that grows with each attempt. A bucket that keeps changing under us fails the call with
 * ConcurrencyError, unless `mayGiveUp` (a cache that can do without the write) — then it is left as it is.
 */
export async function updateBuckets(
  client: TableClient,
  partitionKey: string,
  buckets: Iterable<number>,
  change: (bucket: number, current: Buffer | null) => Buffer | null,
  options: { readonly mayGiveUp?: boolean } = {},
): Promise<void> {
  const touched = [...buckets];
  // Many buckets: one partition query fetches them all (with their ETags) instead of a point read each; a bucket
  // that changed since is read again on its own after the conflict.
  const prefetched = touched.length > PREFETCH_ABOVE ? await readPartition(client, partitionKey) : null;
  const created = prefetched === null ? new Set<number>() : await createMissing(client, partitionKey, touched, prefetched, change);
  await pMap(
    touched.filter((bucket) => !created.has(bucket)),
    async (bucket) => {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
        const current = attempt === 0 && prefetched?.has(bucket) ? (prefetched.get(bucket) ?? null) : await readOne(client, partitionKey, bucket);
        const next = change(bucket, current?.data ?? null);
        if (next === (current?.data ?? null)) return;
        try {
          await writeOne(client, partitionKey, bucket, current?.etag ?? null, next);
          return;
        } catch (error) {
          const status = tableStatus(error);
          // Someone else changed (409 created, 412 replaced, 404 deleted) the bucket first: read it again.
          if (status !== 409 && status !== 412 && status !== 404) throw error;
        }
      }
      if (!options.mayGiveUp) throw new ConcurrencyError(`Bucket ${rowKeyOf(bucket)} of ${partitionKey} kept changing (${ATTEMPTS} attempts)`);
    },
    { concurrency: IN_FLIGHT },
  );
}

/** Deletes every bucket of the partition. */
export async function deleteBuckets(client: TableClient, partitionKey: string): Promise<void> {
  const rows: string[] = [];
  for await (const entity of readAllEntities(client, { filter: bucketRows(partitionKey), select: ["RowKey"] }))
    if (entity.rowKey !== undefined) rows.push(entity.rowKey);
  await pMap(rows, (rowKey) => deleteRowIfPresent(client, partitionKey, rowKey), { concurrency: IN_FLIGHT });
}

/**
 * Buckets the partition query did not find are created in entity group transactions (up to 100 rows, one
 * request) instead of one request each: a new mapping's ledger is a few requests. Creating is all-or-nothing
 * per transaction and fails on a row that exists; such a chunk is left to the one-by-one path, which reads
 * what is there and merges — so a transaction that partly went through loses nothing either.
 */
async function createMissing(
  client: TableClient,
  partitionKey: string,
  touched: readonly number[],
  prefetched: ReadonlyMap<number, unknown>,
  change: (bucket: number, current: Buffer | null) => Buffer | null,
): Promise<Set<number>> {
  const creates: { bucket: number; data: Buffer }[] = [];
  for (const bucket of touched) {
    if (prefetched.has(bucket)) continue;
    // A first sync's million members fill 256 buckets: a turn of the event loop between two.
    await yieldToLoop();
    const data = change(bucket, null);
    if (data !== null) creates.push({ bucket, data });
  }
  const created = new Set<number>();
  for (const chunk of transactionChunks(creates)) {
    try {
      await client.submitTransaction(
        chunk.map(({ bucket, data }): TransactionAction => ["create", { partitionKey, rowKey: rowKeyOf(bucket), ...toProperties(data) }]),
      );
      for (const { bucket } of chunk) created.add(bucket);
    } catch {
      // A row created meanwhile, or the transaction refused: the one-by-one path reads and merges (and
      // reports an outage, if that is what this was).
    }
  }
  return created;
}

/** Entity group transactions hold at most 100 operations and 4 MiB: chunks well under both. */
function transactionChunks<T extends { data: Buffer }>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    // base64 on the wire: 4/3 of the bytes
    const size = Math.ceil((item.data.length * 4) / 3) + 512;
    if (chunk.length === TRANSACTION_LIMIT || (chunk.length > 0 && bytes + size > TRANSACTION_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Every bucket row of the partition. */
function bucketRows(partitionKey: string): string {
  return odata`PartitionKey eq ${partitionKey} and RowKey ge ${ROW_FROM} and RowKey lt ${ROW_TO}`;
}

/** Every bucket of the partition with its ETag (a row of another shape reads as empty, as in readOne). */
async function readPartition(client: TableClient, partitionKey: string): Promise<Map<number, { data: Buffer; etag: string }>> {
  const found = new Map<number, { data: Buffer; etag: string }>();
  for await (const entity of readAllEntities<Record<string, unknown>>(client, { filter: bucketRows(partitionKey) }, PACKED_PAGE_SIZE)) {
    const bucket = bucketOfRow(entity.rowKey);
    if (bucket !== null && entity.etag !== undefined) found.set(bucket, { data: fromProperties(entity) ?? Buffer.alloc(0), etag: entity.etag });
  }
  return found;
}

async function readOne(client: TableClient, partitionKey: string, bucket: number): Promise<{ data: Buffer; etag: string } | null> {
  try {
    const entity = await client.getEntity<Record<string, unknown>>(partitionKey, rowKeyOf(bucket));
    const data = fromProperties(entity);
    // A row of another shape under a bucket key is treated as empty and replaced.
    return { data: data ?? Buffer.alloc(0), etag: entity.etag };
  } catch (error) {
    if (tableStatus(error) === 404) return null;
    throw error;
  }
}

async function writeOne(client: TableClient, partitionKey: string, bucket: number, etag: string | null, data: Buffer | null): Promise<void> {
  const rowKey = rowKeyOf(bucket);
  if (data === null) {
    if (etag !== null) await client.deleteEntity(partitionKey, rowKey, { etag });
    return;
  }
  const entity = { partitionKey, rowKey, ...toProperties(data) };
  if (etag === null) await client.createEntity(entity);
  else await client.updateEntity(entity, "Replace", { etag });
}

/**
 * A cache of many small records in one partition, kept as append-only segments: each write adds rows of its own
 * (RowKey `seg-…`, packed records), so runs that write one partition at once — forty mappings of one tenant
 * synced by eight instances — never contend for a row, never re-read and never retry. A read goes through the
 * partition a few rows per page and keeps, of the keys it was asked for only, the record with the latest
 * `checkedAt`: memory holds what the run needs, never the whole partition (a tenant's devices of every collection).
 *
 * A partition is folded by a writer that notices it has grown (one at a time; a claim expires after a minute): more
 * than `compactAbove` part-filled rows (small appends), or twice the records the last fold left (records looked up
 * again pile up as duplicates). Full rows alone never call for a fold, so a tenant's million devices written once
 * are not read back and rewritten by the very run that wrote them. The fold reads every row, writes the merged
 * records (expired ones dropped) as fresh segments, notes how many it kept, then deletes the rows it read. Rows others append meanwhile are not touched, and a fold cut
 * short leaves only duplicates, which reads merge.
 * Rows of the earlier bucket layout (`bucket-NNNN`) hold records packed the same way: they are read, and folded
 * away, like segments.
 */
import { randomBytes } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";
import pMap from "p-map";
import { ENTITY_BYTES, fromProperties, toProperties } from "./packing.js";
import { deleteRowIfPresent } from "./tableBatches.js";
import { tableStatus } from "./tableErrors.js";
import { PACKED_PAGE_SIZE, readAllEntities } from "./tablePaging.js";
import { yieldToLoop } from "../eventLoop.js";

export interface SegmentRecord {
  readonly checkedAt: number;
}

export interface SegmentCodec<K, T extends SegmentRecord> {
  keyOf(record: T): K;
  encode(records: readonly T[]): Buffer;
  decode(data: Uint8Array, visit: (record: T) => void): void;
  /** Whether a record is still worth keeping when the partition is folded (`newest`: the latest checkedAt seen). */
  keep(record: T, newest: number): boolean;
}

export interface SegmentOptions {
  /** Part-filled rows a partition may have before a writer folds it. Default 32. */
  readonly compactAbove?: number;
  /** Records per row at most (fewer when they do not fit one entity). Default 4,000. */
  readonly recordsPerRow?: number;
}

const ROW_PREFIX = "seg-";
const IN_FLIGHT = 8;
/** The row a folding writer holds meanwhile ('~' sorts after every segment). */
const FOLD_ROW = "~folding";
/** How many records the last fold kept ('~' sorts after every segment). */
const PACKED_ROW = "~packed";
/** A fold claimed longer ago than this was abandoned (its writer died): another writer may take it over. */
const FOLD_CLAIM_MS = 60_000;

export interface SegmentStore<K, T extends SegmentRecord> {
  /** The latest record of each wanted key that the partition holds. */
  read(client: TableClient, partitionKey: string, wanted: ReadonlySet<K>): Promise<Map<K, T>>;
  /** Appends the records as new rows; folds the partition when it has grown past its limit. */
  append(client: TableClient, partitionKey: string, records: readonly T[]): Promise<void>;
}

export function segmentStore<K, T extends SegmentRecord>(codec: SegmentCodec<K, T>, options: SegmentOptions = {}): SegmentStore<K, T> {
  const compactAbove = options.compactAbove ?? 32;
  const recordsPerRow = options.recordsPerRow ?? 4_000;

  /** `wanted`: the keys to keep (undefined: all, when folding). */
  async function readRows(client: TableClient, partitionKey: string, wanted?: ReadonlySet<K>): Promise<{ records: Map<K, T>; rowKeys: string[] }> {
    const records = new Map<K, T>();
    const rowKeys: string[] = [];
    for await (const entity of readAllEntities<Record<string, unknown>>(client, { filter: odata`PartitionKey eq ${partitionKey}` }, PACKED_PAGE_SIZE)) {
      if (entity.rowKey === undefined || entity.rowKey === FOLD_ROW || entity.rowKey === PACKED_ROW) continue;
      rowKeys.push(entity.rowKey);
      // A row holds thousands of records: the loop gets a turn between rows.
      await yieldToLoop();
      const data = fromProperties(entity);
      if (data === null) continue; // a row of another shape: folded away with the rest
      codec.decode(data, (record) => {
        const key = codec.keyOf(record);
        if (wanted !== undefined && !wanted.has(key)) return;
        const held = records.get(key);
        if (held === undefined || held.checkedAt <= record.checkedAt) records.set(key, record);
      });
    }
    return { records, rowKeys };
  }

  /** Each row's records are packed just before it is sent: a million records are never all encoded at once. */
  async function writeRows(client: TableClient, partitionKey: string, records: readonly T[]): Promise<void> {
    const slices = Array.from({ length: Math.ceil(records.length / recordsPerRow) }, (_, i) => i * recordsPerRow);
    await pMap(
      slices,
      async (from) => {
        await yieldToLoop();
        for (const row of packRows(records.slice(from, from + recordsPerRow), recordsPerRow, (list) => codec.encode(list))) {
          await client.createEntity({ partitionKey, rowKey: newRowKey(), records: row.records, ...toProperties(row.data) });
        }
      },
      { concurrency: IN_FLIGHT },
    );
  }

  /** Whether the partition has grown enough to fold (see above); reads only the rows' keys and record counts. */
  async function foldDue(client: TableClient, partitionKey: string): Promise<boolean> {
    let partRows = 0;
    let records = 0;
    let packed: number | null = null;
    const select = ["RowKey", "records"];
    for await (const entity of readAllEntities<{ records?: unknown }>(client, { filter: odata`PartitionKey eq ${partitionKey}`, select })) {
      const count = typeof entity.records === "number" ? entity.records : null;
      if (entity.rowKey === PACKED_ROW) packed = count;
      if (entity.rowKey === undefined || entity.rowKey === FOLD_ROW || entity.rowKey === PACKED_ROW) continue;
      // Rows of the earlier layouts carry no count: part-filled, so they are folded away in time.
      if (count === null || count < recordsPerRow / 2) partRows++;
      records += count ?? 0;
    }
    return partRows > compactAbove || (packed !== null && records > 2 * Math.max(packed, recordsPerRow));
  }

  /**
   * Only one writer folds a partition at a time: the others, which noticed the same growth in the same moment,
   * would each read and rewrite everything only to leave duplicates. A claim left by a writer that died expires.
   */
  async function claimFold(client: TableClient, partitionKey: string): Promise<boolean> {
    try {
      await client.createEntity({ partitionKey, rowKey: FOLD_ROW, claimedAt: Date.now() });
      return true;
    } catch (error) {
      if (tableStatus(error) !== 409) throw error;
    }
    try {
      const claim = await client.getEntity<{ claimedAt?: number }>(partitionKey, FOLD_ROW);
      if (typeof claim.claimedAt === "number" && Date.now() - claim.claimedAt < FOLD_CLAIM_MS) return false;
      await client.updateEntity({ partitionKey, rowKey: FOLD_ROW, claimedAt: Date.now() }, "Replace", { etag: claim.etag });
      return true;
    } catch (error) {
      const status = tableStatus(error);
      // Taken over or finished by another writer meanwhile.
      if (status === 404 || status === 412) return false;
      throw error;
    }
  }

  async function compact(client: TableClient, partitionKey: string): Promise<void> {
    if (!(await claimFold(client, partitionKey))) return;
    try {
      await fold(client, partitionKey);
    } finally {
      await deleteRowIfPresent(client, partitionKey, FOLD_ROW);
    }
  }

  async function fold(client: TableClient, partitionKey: string): Promise<void> {
    const { records, rowKeys } = await readRows(client, partitionKey);
    let newest = 0;
    for (const record of records.values()) newest = Math.max(newest, record.checkedAt);
    const kept = [...records.values()].filter((record) => codec.keep(record, newest));
    // Written before anything is deleted: a compaction cut short leaves duplicates, never a gap.
    await writeRows(client, partitionKey, kept);
    await client.upsertEntity({ partitionKey, rowKey: PACKED_ROW, records: kept.length }, "Replace");
    await pMap(rowKeys, (rowKey) => deleteRowIfPresent(client, partitionKey, rowKey), { concurrency: IN_FLIGHT });
  }

  return {
    async read(client, partitionKey, wanted) {
      if (wanted.size === 0) return new Map();
      return (await readRows(client, partitionKey, wanted)).records;
    },

    async append(client, partitionKey, records) {
      if (records.length === 0) return;
      await writeRows(client, partitionKey, records);
      if (await foldDue(client, partitionKey)) await compact(client, partitionKey);
    },
  };
}

/** Sorts by time, so the rows of a partition list oldest first; the random tail keeps concurrent writers apart. */
function newRowKey(): string {
  return `${ROW_PREFIX}${Date.now().toString(36).padStart(9, "0")}-${randomBytes(6).toString("hex")}`;
}

/** The records packed into rows of at most `perRow` records that each fit one entity. */
export function packRows<T>(records: readonly T[], perRow: number, encode: (list: readonly T[]) => Buffer): { data: Buffer; records: number }[] {
  const rows: { data: Buffer; records: number }[] = [];
  const pack = (list: readonly T[]): void => {
    const data = encode(list);
    if (data.length <= ENTITY_BYTES) {
      rows.push({ data, records: list.length });
      return;
    }
    if (list.length === 1) throw new RangeError(`One record packs to ${data.length} bytes, more than an entity holds`);
    const half = Math.ceil(list.length / 2);
    pack(list.slice(0, half));
    pack(list.slice(half));
  };
  for (let from = 0; from < records.length; from += perRow) pack(records.slice(from, from + perRow));
  return rows;
}

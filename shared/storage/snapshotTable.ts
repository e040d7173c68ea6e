import { createHash } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";
import pMap from "p-map";
import { z } from "zod";
import type { CurrentSnapshot, PartSummary } from "../snapshots/snapshot.js";
import type { CurrentPointer, SnapshotStore, StoredPart } from "../snapshots/snapshotStore.js";
import { isObject, jsonProperty, parseEntity, written } from "./entityValues.js";
import { entitySized, fromProperties, toProperties } from "./packing.js";
import type { LazyTable } from "./tableAccess.js";
import { deleteAllRows } from "./tableBatches.js";
import { conditionalWrite, readOrNull } from "./tableErrors.js";
import { assertTableKey } from "./tableKeys.js";
import { readAllEntities } from "./tablePaging.js";

const CURRENT_ROW = "current";
const ROWS_IN_FLIGHT = 8;

const partEntitySchema = z.object({
  part: z.number().int().min(0),
  memberType: z.enum(["device", "user"]),
  members: z.number().int().min(0),
  firstResourceId: z.number(),
  lastResourceId: z.number(),
  // Rows written before the count was kept read as 0: no re-check is asked for them.
  withoutEntraId: z.number().int().min(0).default(0),
  // Rows written before delta uploads existed are full parts: they remove nothing.
  removed: z.number().int().min(0).default(0),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  pieces: z.number().int().min(1),
  bytes: z.number().int().min(0).default(0),
});

const currentEntitySchema = z.object({ etag: z.string(), snapshot: jsonProperty(written<CurrentSnapshot>(isObject)) });

/**
 * Snapshots in Table Storage (table `snapshots`, PartitionKey = collection id, docs/storage.md):
 * - `current`: the pointer, the committed snapshot's description as JSON, replaced with If-Match;
 * - `part-<snapshot>-<nnnn>`: one row per uploaded part (its summary, digest and number of data rows);
 * - `data-<snapshot>-<nnnn>-<digest>-<pp>`: the part's gzip bytes as received, ≤ 600,000 bytes per row.
 * Data rows are written before their part row, and named by the digest, so a part row always names complete
 * bytes of its own upload even when the same part is uploaded twice at once.
 */
export function createSnapshotTable(table: LazyTable): SnapshotStore {
  const partition = (collectionId: string) => assertTableKey(collectionId, "collectionId");
  const snapshotKey = (snapshotId: string) => assertTableKey(snapshotId, "snapshotId");

  async function rowKeysWithPrefix(client: TableClient, partitionKey: string, prefix: string): Promise<string[]> {
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${prefix} and RowKey lt ${`${prefix.slice(0, -1)}.`}`;
    const keys: string[] = [];
    for await (const entity of readAllEntities(client, { filter, select: ["RowKey"] })) if (entity.rowKey !== undefined) keys.push(entity.rowKey);
    return keys;
  }

  return {
    async putPart(collectionId, snapshotId, summary, data) {
      const partitionKey = partition(collectionId);
      const digest = createHash("sha256").update(data).digest("hex");
      const pieces = entitySized(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      const client = await table.ready();
      const base = `${snapshotKey(snapshotId)}-${partNumber(summary.part)}`;
      await pMap(
        pieces,
        (piece, index) =>
          client.upsertEntity(
            { partitionKey, rowKey: `data-${base}-${digest.slice(0, 16)}-${String(index).padStart(2, "0")}`, ...toProperties(piece) },
            "Replace",
          ),
        { concurrency: ROWS_IN_FLIGHT },
      );
      const row: Record<string, unknown> = { ...summaryProperties(summary), digest, pieces: pieces.length, bytes: data.byteLength };
      await client.upsertEntity({ partitionKey, rowKey: `part-${base}`, ...row }, "Replace");
      return { ...summary, digest, pieces: pieces.length, bytes: data.byteLength, writtenAt: Date.now() };
    },

    async listParts(collectionId, snapshotId) {
      const partitionKey = partition(collectionId);
      const prefix = `part-${snapshotKey(snapshotId)}-`;
      const client = await table.ready();
      const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${prefix} and RowKey lt ${`part-${snapshotId}.`}`;
      const parts: StoredPart[] = [];
      for await (const entity of readAllEntities<Record<string, unknown>>(client, { filter })) {
        parts.push({ ...parseEntity(partEntitySchema, table.name, entity), writtenAt: Date.parse(String(entity["timestamp"] ?? "")) || 0 });
      }
      return parts.sort((a, b) => a.part - b.part);
    },

    async readPart(collectionId, snapshotId, part) {
      const partitionKey = partition(collectionId);
      const client = await table.ready();
      const row = await readOrNull(() => client.getEntity<Record<string, unknown>>(partitionKey, `part-${snapshotKey(snapshotId)}-${partNumber(part.part)}`));
      if (row === null) return null;
      const { pieces, digest } = parseEntity(partEntitySchema, table.name, row);
      if (digest !== part.digest) return null;
      return readPieces(client, partitionKey, snapshotId, part.part, digest, pieces);
    },

    async readCommittedPart(collectionId, snapshotId, part, digest, pieces) {
      const client = await table.ready();
      return readPieces(client, partition(collectionId), snapshotKey(snapshotId), part, digest, pieces);
    },

    async current(collectionId) {
      const client = await table.ready();
      const entity = await readOrNull(() => client.getEntity<Record<string, unknown>>(partition(collectionId), CURRENT_ROW));
      if (entity === null) return null;
      const { etag, snapshot } = parseEntity(currentEntitySchema, table.name, entity);
      return { snapshot, etag } satisfies CurrentPointer;
    },

    async setCurrent(snapshot, etag) {
      const client = await table.ready();
      const entity = { partitionKey: partition(snapshot.collectionId), rowKey: CURRENT_ROW, snapshot: JSON.stringify(snapshot) };
      const what = `The current snapshot of ${snapshot.collectionId}`;
      if (etag === null) await conditionalWrite(what, () => client.createEntity(entity));
      else await conditionalWrite(what, () => client.updateEntity(entity, "Replace", { etag }));
    },

    async deleteCurrent(collectionId, etag) {
      const client = await table.ready();
      await conditionalWrite(`The current snapshot of ${collectionId}`, () => client.deleteEntity(partition(collectionId), CURRENT_ROW, { etag }));
    },

    async *listCurrent() {
      const client = await table.ready();
      const filter = odata`RowKey eq ${CURRENT_ROW}`;
      for await (const entity of readAllEntities<Record<string, unknown>>(client, { filter })) {
        yield parseEntity(currentEntitySchema, table.name, entity).snapshot;
      }
    },

    async deleteSnapshot(collectionId, snapshotId) {
      const partitionKey = partition(collectionId);
      const client = await table.ready();
      const keys = [
        ...(await rowKeysWithPrefix(client, partitionKey, `part-${snapshotKey(snapshotId)}-`)),
        ...(await rowKeysWithPrefix(client, partitionKey, `data-${snapshotId}-`)),
      ];
      await deleteAllRows(client, partitionKey, keys);
    },

    async listStoredSnapshots(collectionId) {
      const partitionKey = partition(collectionId);
      const client = await table.ready();
      const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${"data-"} and RowKey lt ${"part."}`;
      return (await storedSnapshots(client, filter)).get(partitionKey) ?? new Map();
    },

    async listAllStoredSnapshots() {
      const client = await table.ready();
      // One scan of the whole table, keys and timestamps only (the data rows' bytes are not read).
      return storedSnapshots(client, odata`RowKey ge ${"data-"} and RowKey lt ${"part."}`);
    },
  };
}

/** Collection → snapshot id → newest row write (epoch ms), of the part and data rows the filter selects. */
async function storedSnapshots(client: TableClient, filter: string): Promise<Map<string, Map<string, number>>> {
  const found = new Map<string, Map<string, number>>();
  for await (const entity of readAllEntities<{ timestamp?: string }>(client, { filter, select: ["PartitionKey", "RowKey", "Timestamp"] })) {
    const snapshotId = /^(?:data|part)-([0-9a-f-]{36})-/.exec(entity.rowKey ?? "")?.[1];
    if (snapshotId === undefined || entity.partitionKey === undefined) continue;
    const written = Date.parse(entity.timestamp ?? "") || 0;
    const newest = found.get(entity.partitionKey) ?? new Map<string, number>();
    newest.set(snapshotId, Math.max(newest.get(snapshotId) ?? 0, written));
    found.set(entity.partitionKey, newest);
  }
  return found;
}

/** The bytes of one upload of a part, from the rows named by its digest; null when gone or not hashing to it. */
async function readPieces(client: TableClient, partitionKey: string, snapshotId: string, part: number, digest: string, pieces: number): Promise<Buffer | null> {
  const base = `data-${snapshotId}-${partNumber(part)}-${digest.slice(0, 16)}`;
  const chunks = await pMap(
    Array.from({ length: pieces }, (_, index) => `${base}-${String(index).padStart(2, "0")}`),
    async (rowKey) => {
      const entity = await readOrNull(() => client.getEntity<Record<string, unknown>>(partitionKey, rowKey));
      return entity === null ? null : fromProperties(entity);
    },
    { concurrency: ROWS_IN_FLIGHT },
  );
  if (chunks.some((piece) => piece === null)) return null;
  const data = Buffer.concat(chunks as Buffer[]);
  // Rows damaged or replaced under us read as "gone", never as other members.
  return createHash("sha256").update(data).digest("hex").startsWith(digest) ? data : null;
}

function partNumber(part: number): string {
  return String(part).padStart(4, "0");
}

function summaryProperties(summary: PartSummary): Record<string, unknown> {
  return {
    part: summary.part,
    memberType: summary.memberType,
    members: summary.members,
    // Resource ids can pass Edm.Int32: stored as doubles (exact to 2^53).
    firstResourceId: { value: summary.firstResourceId, type: "Double" },
    lastResourceId: { value: summary.lastResourceId, type: "Double" },
    withoutEntraId: summary.withoutEntraId,
    removed: summary.removed,
  };
}

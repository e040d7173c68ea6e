import { odata } from "@azure/data-tables";
import { z } from "zod";
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry, type AuditFilter, type AuditStore } from "../audit/auditTrail.js";
import { absentAsNull, isObject, jsonProperty, parseEntity, withoutNulls, written } from "./entityValues.js";
import { invertedTime } from "./runEntity.js";
import type { LazyTable } from "./tableAccess.js";
import { deleteAllRows } from "./tableBatches.js";
import { readAllEntities, readEntityPage, unwrapContinuationToken, wrapContinuationToken } from "./tablePaging.js";

/**
 * `audit`: one partition, RowKey = inverted time + entry id, so a query reads newest first and a time range is
 * a RowKey range. Changes made by people are few (a busy day: hundreds), so one partition is plenty.
 */
const PARTITION = "audit";
/** Before/after values are small (a mapping's settings); bounded anyway below the 64 KiB property limit. */
const VALUE_CHARS = 30_000;

const entitySchema = z.object({
  entryId: z.string(),
  at: z.string(),
  action: z.enum(AUDIT_ACTIONS as [AuditAction, ...AuditAction[]]),
  actorName: z.string(),
  actorObjectId: absentAsNull(z.string()),
  actorKind: z.enum(["user", "app", "api-key", "function-key", "local", "cli"]),
  collectionId: absentAsNull(z.string()),
  groupId: absentAsNull(z.string()),
  before: absentAsNull(jsonProperty(written<Record<string, unknown>>(isObject))),
  after: absentAsNull(jsonProperty(written<Record<string, unknown>>(isObject))),
  summary: z.string(),
});

function fromEntity(entity: object): AuditEntry {
  const e = parseEntity(entitySchema, "audit", entity);
  return {
    id: e.entryId,
    at: e.at,
    action: e.action,
    actor: { name: e.actorName, objectId: e.actorObjectId, kind: e.actorKind },
    collectionId: e.collectionId,
    groupId: e.groupId,
    before: e.before,
    after: e.after,
    summary: e.summary,
  };
}

function bounded(value: Readonly<Record<string, unknown>> | null): string | null {
  if (value === null) return null;
  const text = JSON.stringify(value);
  return text.length <= VALUE_CHARS ? text : JSON.stringify({ truncated: true, chars: text.length });
}

function rowKeyOf(entry: AuditEntry): string {
  return `${invertedTime(Date.parse(entry.at))}_${entry.id}`;
}

function filterOf(filter: AuditFilter): string {
  const clauses = [odata`PartitionKey eq ${PARTITION}`];
  // Newer times have smaller RowKeys: `to` (exclusive) is the lower bound, `from` (inclusive) the upper one.
  if (filter.to !== undefined) clauses.push(odata`RowKey gt ${`${invertedTime(filter.to.getTime())}_~`}`);
  if (filter.from !== undefined) clauses.push(odata`RowKey lt ${`${invertedTime(filter.from.getTime())}_~`}`);
  if (filter.collectionId !== undefined) clauses.push(odata`collectionId eq ${filter.collectionId}`);
  if (filter.groupId !== undefined) clauses.push(odata`groupId eq ${filter.groupId}`);
  if (filter.actions !== undefined && filter.actions.length > 0) {
    clauses.push(`(${filter.actions.map((action) => odata`action eq ${action}`).join(" or ")})`);
  }
  return clauses.join(" and ");
}

/** Entries older than `retentionMs` are deleted as new ones arrive (the way run history is pruned). */
export function createAuditTable(table: LazyTable, options: { readonly retentionMs: number }): AuditStore {
  async function prune(newest: AuditEntry): Promise<void> {
    const after = invertedTime(Date.parse(newest.at) - options.retentionMs);
    const client = await table.ready();
    const rowKeys: string[] = [];
    for await (const entity of readAllEntities(client, { filter: odata`PartitionKey eq ${PARTITION} and RowKey gt ${after}`, select: ["RowKey"] })) {
      if (entity.rowKey !== undefined) rowKeys.push(entity.rowKey);
    }
    await deleteAllRows(client, PARTITION, rowKeys);
  }

  return {
    async append(entry) {
      const client = await table.ready();
      await client.createEntity({
        partitionKey: PARTITION,
        rowKey: rowKeyOf(entry),
        ...withoutNulls({
          entryId: entry.id,
          at: entry.at,
          action: entry.action,
          actorName: entry.actor.name,
          actorObjectId: entry.actor.objectId,
          actorKind: entry.actor.kind,
          collectionId: entry.collectionId,
          groupId: entry.groupId,
          before: bounded(entry.before),
          after: bounded(entry.after),
          summary: entry.summary,
        }),
      });
      await prune(entry);
    },

    async list(filter, paging) {
      const client = await table.ready();
      const sdkToken = unwrapContinuationToken("audit", paging.continuationToken);
      const page = await readEntityPage<Record<string, unknown>>(client, { filter: filterOf(filter) }, paging.pageSize, sdkToken);
      const actor = filter.actor?.toLowerCase();
      const items = page.entities.map(fromEntity).filter((entry) => actor === undefined || entry.actor.name.toLowerCase().includes(actor));
      return { items, continuationToken: wrapContinuationToken("audit", page.continuationToken) };
    },
  };
}

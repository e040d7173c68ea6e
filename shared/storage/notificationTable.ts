import { odata } from "@azure/data-tables";
import { z } from "zod";
import { ConcurrencyError, NotFoundError } from "../errors.js";
import type { Notification } from "../notify/notification.js";
import type { NotificationOutbox, OutboxEntry, OutboxStatus } from "../notify/outbox.js";
import { absentAsNull, epochMs, isObject, jsonProperty, parseEntity, withoutNulls, written } from "./entityValues.js";
import type { LazyTable } from "./tableAccess.js";
import { deleteAllRows } from "./tableBatches.js";
import { conditionalWrite, readOrNull, tableStatus } from "./tableErrors.js";
import { assertTableKey } from "./tableKeys.js";
import { readAllEntities } from "./tablePaging.js";

/** `notifications`: PartitionKey "outbox", RowKey = the notification's key; marks under PartitionKey "mark". */
const OUTBOX = "outbox";
const MARKS = "mark";
/** A property holds at most 64 KiB (32 K UTF-16 characters); a notification is a few hundred bytes. */
const MAX_NOTIFICATION_CHARS = 30_000;

const isStringArray = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === "string");

const entrySchema = z.object({
  rowKey: z.string(),
  etag: z.string(),
  notification: jsonProperty(written<Notification>(isObject)),
  status: z.enum(["pending", "sent", "gave-up"] satisfies OutboxStatus[]),
  attempts: z.number(),
  nextAttemptAt: z.number(),
  deliveredTo: jsonProperty(written<string[]>(isStringArray)),
  gaveUpOn: jsonProperty(written<string[]>(isStringArray)),
  createdAt: z.string(),
  lastAttemptAt: absentAsNull(z.string()),
  lastError: absentAsNull(z.string()),
  lastErrorAt: absentAsNull(z.string()),
  sentAt: absentAsNull(z.string()),
});

function fromEntity(entity: object): OutboxEntry {
  const { rowKey: _key, ...entry } = parseEntity(entrySchema, "notifications", entity);
  return entry;
}

function toEntity(entry: Omit<OutboxEntry, "etag">) {
  const notification = JSON.stringify(entry.notification);
  if (notification.length > MAX_NOTIFICATION_CHARS)
    throw new Error(`Notification ${entry.notification.key} is too large to store (${notification.length} characters)`);
  return {
    partitionKey: OUTBOX,
    rowKey: assertTableKey(entry.notification.key, "notification key"),
    ...withoutNulls({
      notification,
      status: entry.status,
      attempts: entry.attempts,
      nextAttemptAt: epochMs(entry.nextAttemptAt),
      deliveredTo: JSON.stringify(entry.deliveredTo),
      gaveUpOn: JSON.stringify(entry.gaveUpOn),
      createdAt: entry.createdAt,
      lastAttemptAt: entry.lastAttemptAt,
      lastError: entry.lastError,
      lastErrorAt: entry.lastErrorAt,
      sentAt: entry.sentAt,
    }),
  };
}

export function createNotificationTable(table: LazyTable): NotificationOutbox {
  return {
    async add(notification, now) {
      const entity = toEntity({
        notification,
        status: "pending",
        attempts: 0,
        nextAttemptAt: now,
        deliveredTo: [],
        gaveUpOn: [],
        createdAt: new Date(now).toISOString(),
        lastAttemptAt: null,
        lastError: null,
        lastErrorAt: null,
        sentAt: null,
      });
      const client = await table.ready();
      try {
        await client.createEntity(entity);
        return true;
      } catch (error) {
        // The same change seen twice (a redelivered job, two workers): the first one stored wins.
        if (tableStatus(error) === 409) return false;
        throw error;
      }
    },

    async list() {
      const client = await table.ready();
      const entries: OutboxEntry[] = [];
      for await (const entity of readAllEntities(client, { filter: odata`PartitionKey eq ${OUTBOX}` })) entries.push(fromEntity(entity));
      return entries;
    },

    async update(entry) {
      const client = await table.ready();
      try {
        const response = await conditionalWrite(`Notification ${entry.notification.key}`, () =>
          client.updateEntity(toEntity(entry), "Replace", { etag: entry.etag }),
        );
        return response.etag === undefined ? null : { ...entry, etag: response.etag };
      } catch (error) {
        // Changed by another deliverer, or deleted as expired history meanwhile: not ours to write.
        if (error instanceof ConcurrencyError || error instanceof NotFoundError) return null;
        throw error;
      }
    },

    async remove(keys) {
      const client = await table.ready();
      await deleteAllRows(
        client,
        OUTBOX,
        keys.map((key) => assertTableKey(key, "notification key")),
      );
    },

    async readMark(name) {
      const client = await table.ready();
      const entity = await readOrNull(() => client.getEntity<{ value?: unknown }>(MARKS, assertTableKey(name, "mark")));
      if (entity === null || typeof entity.value !== "number" || entity.etag === undefined) return null;
      return { value: entity.value, etag: entity.etag };
    },

    async writeMark(name, value, etag) {
      const entity = { partitionKey: MARKS, rowKey: assertTableKey(name, "mark"), value };
      const client = await table.ready();
      try {
        if (etag === null) await client.createEntity(entity);
        else await client.updateEntity(entity, "Replace", { etag });
        return true;
      } catch (error) {
        const status = tableStatus(error);
        if (status === 409 || status === 412) return false;
        throw error;
      }
    },
  };
}

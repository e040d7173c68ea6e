import { z } from "zod";
import type { ResolutionCache, ResolutionEntry } from "../sync/resolutionCache.js";
import { absentAsNull, epochMs, parseEntity, withoutNulls } from "./entityValues.js";
import type { LazyTable } from "./tableAccess.js";
import { inWaves, upsertAll } from "./tableBatches.js";
import { readOrNull } from "./tableErrors.js";
import { assertTableKey, escapeKey } from "./tableKeys.js";

/** Point reads in flight at once: the cheapest Table operation, and a run reads one per member. */
const READS_IN_FLIGHT = 16;
/** Partition for mappings without a tenant (the app's home tenant). */
export const HOME_TENANT = "home";


const entrySchema = z.object({
  key: z.string(),
  objectId: absentAsNull(z.string()),
  trustType: absentAsNull(z.string()),
  accountEnabled: absentAsNull(z.boolean()),
  checkedAt: z.number(),
});

/**
 * `resolution`: PartitionKey tenant, RowKey the lower-cased ConfigMgr key (AADDeviceID, AADUserID or UPN),
 * escaped because guest UPNs carry `#` (…#EXT#@…), a character keys may not hold. Entries older than `ttlMs`
 * (judged with the caller's `now`) count as missing; negative entries (objectId null) expire the same way.
 */
export function createResolutionTable(table: LazyTable, ttlMs: number): ResolutionCache {
  const partitionOf = (tenant: string) => assertTableKey(tenant === "" ? HOME_TENANT : tenant, "tenant");
  const rowOf = (key: string) => assertTableKey(escapeKey(key.toLowerCase()), "resolution key");

  return {
    async getMany(tenant, keys, now) {
      const partitionKey = partitionOf(tenant);
      const wanted = [...new Set(keys)].map((key) => ({ key, rowKey: rowOf(key) }));
      const found = new Map<string, ResolutionEntry>();
      const client = await table.ready();
      await inWaves(wanted, READS_IN_FLIGHT, async ({ key, rowKey }) => {
        const entity = await readOrNull(() => client.getEntity(partitionKey, rowKey));
        if (entity === null) return;
        const entry = parseEntity(entrySchema, "resolution", entity);
        if (now - entry.checkedAt < ttlMs) found.set(key, { ...entry, key });
      });
      return found;
    },

    async putMany(tenant, entries) {
      const partitionKey = partitionOf(tenant);
      const entities = entries.map((entry) => ({
        partitionKey,
        rowKey: rowOf(entry.key),
        ...withoutNulls({
          key: entry.key,
          objectId: entry.objectId,
          trustType: entry.trustType,
          accountEnabled: entry.accountEnabled,
          checkedAt: epochMs(entry.checkedAt),
        }),
      }));
      if (entities.length === 0) return;
      const client = await table.ready();
      await upsertAll(client, entities);
    },
  };
}

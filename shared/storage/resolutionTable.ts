import type { ResolutionCache, ResolutionEntry } from "../core/ports/resolutionCache.js";
import { segmentStore } from "./packedSegments.js";
import { forEachSliced } from "../eventLoop.js";
import { ByteReader, ByteWriter } from "./packing.js";
import type { LazyTable } from "./tableAccess.js";
import { assertTableKey } from "./tableKeys.js";

/** Partition for mappings without a tenant (the app's home tenant). */
export const HOME_TENANT = "home";

const TRUST_TOKENS = ["AzureAd", "ServerAd", "Workplace"];

/**
 * `resolution`: PartitionKey tenant; the entries (key lower-cased: AADDeviceID, AADUserID or UPN) packed into
 * append-only segments (packedSegments.ts), so a 100,000-member collection is read with one partition query (that
 * keeps only the entries asked for) and
 * written with one row per few thousand entries instead of 100,000 point operations, and runs of one tenant
 * writing at once never contend. Entries older than `ttlMs` (judged with the caller's `now`) count as missing;
 * negative entries (objectId null) after `notFoundTtlMs` already, because a device that is not in Entra yet may
 * join it any time. Expired entries are dropped whenever the partition is folded.
 */
export function createResolutionTable(table: LazyTable, ttlMs: number, notFoundTtlMs: number = ttlMs): ResolutionCache {
  const partitionOf = (tenant: string) => assertTableKey(tenant === "" ? HOME_TENANT : tenant, "tenant");
  const fresh = (entry: ResolutionEntry, now: number) => now - entry.checkedAt < (entry.objectId === null ? Math.min(ttlMs, notFoundTtlMs) : ttlMs);
  const segments = segmentStore<string, ResolutionEntry>({
    keyOf: (entry) => entry.key,
    encode: encodeEntries,
    decode: forEachEntry,
    // Expired entries are never answered again.
    keep: (entry, newest) => newest - entry.checkedAt < ttlMs,
  });

  return {
    async getMany(tenant, keys, now) {
      const found = new Map<string, ResolutionEntry>();
      if (keys.length === 0) return found;
      const wanted = new Set<string>();
      await forEachSliced(keys, (key) => wanted.add(key.toLowerCase()));
      const stored = await segments.read(await table.ready(), partitionOf(tenant), wanted);
      wanted.clear();
      await forEachSliced(keys, (key) => {
        const entry = stored.get(key.toLowerCase());
        if (entry !== undefined && fresh(entry, now)) found.set(key, entry.key === key ? entry : { ...entry, key });
      });
      return found;
    },

    async putMany(tenant, entries) {
      const partitionKey = partitionOf(tenant);
      if (entries.length === 0) return;
      // Keys come lower-cased from the engine: an entry is copied only when its key is not (sliced: a first
      // sync remembers a million).
      const lowered: ResolutionEntry[] = [];
      await forEachSliced(entries, (e) => {
        const key = e.key.toLowerCase();
        lowered.push(key === e.key ? e : { ...e, key });
      });
      await segments.append(await table.ready(), partitionKey, lowered);
    },
  };
}

function encodeEntries(entries: readonly ResolutionEntry[]): Buffer {
  const writer = new ByteWriter();
  for (const e of entries) {
    writer.item(e.key);
    writer.item(e.objectId);
    writer.item(e.trustType, TRUST_TOKENS);
    writer.byte(e.accountEnabled === null ? 0 : e.accountEnabled ? 2 : 1);
    writer.double(e.checkedAt);
  }
  return writer.finish();
}

function forEachEntry(data: Uint8Array, visit: (entry: ResolutionEntry) => void): void {
  const reader = new ByteReader(data);
  while (!reader.done) {
    const key = reader.item();
    const objectId = reader.item();
    const trustType = reader.item(TRUST_TOKENS);
    const enabled = reader.byte();
    const checkedAt = reader.double();
    if (key === null) continue;
    visit({ key, objectId, trustType, accountEnabled: enabled === 0 ? null : enabled === 2, checkedAt });
  }
}

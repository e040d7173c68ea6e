import type { ResolutionCache, ResolutionEntry } from "../sync/resolutionCache.js";
import { byBucket, readBuckets, updateBuckets, type BucketLayout } from "./packedBuckets.js";
import { ByteReader, ByteWriter, packNewestThatFit } from "./packing.js";
import type { LazyTable } from "./tableAccess.js";
import { assertTableKey } from "./tableKeys.js";

/** Partition for mappings without a tenant (the app's home tenant). */
export const HOME_TENANT = "home";

/**
 * 1,024 buckets per tenant: 100,000 devices pack ~100 entries (≈ 4 KB) into each, and a bucket fills its 600 KB
 * only past ~14 million entries. Asking for more than 64 buckets reads the whole partition in one query.
 */
const LAYOUT: BucketLayout = { buckets: 1024, scanAbove: 64 };
const TRUST_TOKENS = ["AzureAd", "ServerAd", "Workplace"];

/**
 * `resolution`: PartitionKey tenant; the entries (key lower-cased: AADDeviceID, AADUserID or UPN) packed into
 * buckets by key hash (packedBuckets.ts), so a 100,000-member collection is read with one partition query and
 * written with one conditional write per bucket instead of 100,000 point operations. Entries older than `ttlMs`
 * (judged with the caller's `now`) count as missing; negative entries (objectId null) after `notFoundTtlMs`
 * already, because a device that is not in Entra yet may join it any time. Expired entries are dropped whenever
 * their bucket is rewritten.
 */
export function createResolutionTable(table: LazyTable, ttlMs: number, notFoundTtlMs: number = ttlMs): ResolutionCache {
  const partitionOf = (tenant: string) => assertTableKey(tenant === "" ? HOME_TENANT : tenant, "tenant");
  const fresh = (entry: ResolutionEntry, now: number) => now - entry.checkedAt < (entry.objectId === null ? Math.min(ttlMs, notFoundTtlMs) : ttlMs);

  return {
    async getMany(tenant, keys, now) {
      const partitionKey = partitionOf(tenant);
      const wanted = new Map<string, string[]>();
      for (const key of keys) {
        const lower = key.toLowerCase();
        const spellings = wanted.get(lower);
        if (spellings === undefined) wanted.set(lower, [key]);
        else if (!spellings.includes(key)) spellings.push(key);
      }
      const found = new Map<string, ResolutionEntry>();
      if (wanted.size === 0) return found;
      const buckets = new Set(byBucket(wanted.keys(), (k) => k, LAYOUT.buckets).keys());
      const client = await table.ready();
      for (const data of (await readBuckets(client, partitionKey, buckets, LAYOUT)).values()) {
        forEachEntry(data, (entry) => {
          const spellings = wanted.get(entry.key);
          if (spellings === undefined || !fresh(entry, now)) return;
          for (const key of spellings) found.set(key, { ...entry, key });
        });
      }
      return found;
    },

    async putMany(tenant, entries) {
      const partitionKey = partitionOf(tenant);
      if (entries.length === 0) return;
      const incoming = byBucket(
        entries.map((e) => ({ ...e, key: e.key.toLowerCase() })),
        (e) => e.key,
        LAYOUT.buckets,
      );
      const client = await table.ready();
      await updateBuckets(client, partitionKey, incoming.keys(), (bucket, current) => {
        const merged = new Map<string, ResolutionEntry>();
        if (current !== null) forEachEntry(current, (entry) => merged.set(entry.key, entry));
        let newest = 0;
        for (const entry of incoming.get(bucket) ?? []) {
          const existing = merged.get(entry.key);
          if (existing === undefined || existing.checkedAt <= entry.checkedAt) merged.set(entry.key, entry);
          newest = Math.max(newest, entry.checkedAt);
        }
        // Expired entries are never answered again: drop them while the bucket is rewritten anyway.
        const kept = [...merged.values()].filter((e) => newest - e.checkedAt < ttlMs);
        return kept.length === 0 ? null : encodeEntries(kept);
        // Other runs of the tenant write the same buckets; a cache can skip a write that keeps losing the race.
      }, { mayGiveUp: true });
    },
  };
}

function encodeEntries(entries: readonly ResolutionEntry[]): Buffer {
  return packNewestThatFit(entries, (list) => {
    const writer = new ByteWriter();
    for (const e of list) {
      writer.item(e.key);
      writer.item(e.objectId);
      writer.item(e.trustType, TRUST_TOKENS);
      writer.byte(e.accountEnabled === null ? 0 : e.accountEnabled ? 2 : 1);
      writer.double(e.checkedAt);
    }
    return writer.finish();
  });
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

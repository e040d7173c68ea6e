import type { SourceIdentity, SourceIdentityCache, SourceKind } from "../configmgr/sourceIdentityCache.js";
import { byBucket, readBuckets, updateBuckets, type BucketLayout } from "./packedBuckets.js";
import { ByteReader, ByteWriter, packNewestThatFit } from "./packing.js";
import type { LazyTable } from "./tableAccess.js";

/**
 * 1,024 buckets per kind: 100,000 devices pack ~100 identities (≈ 7 KB) into each; asking for more than 64
 * buckets reads the kind's partition with one query.
 */
const LAYOUT: BucketLayout = { buckets: 1024, scanAbove: 64 };

export interface SourceIdentityTableOptions {
  /** Identities older than this are dropped whenever their bucket is rewritten (members long gone). */
  readonly retainMs: number;
}

/**
 * `sourceIdentity`: PartitionKey `device` or `user`; identities packed into buckets by ResourceID hash
 * (packedBuckets.ts), so the identities of a 100,000-member collection are one partition query and a change
 * is one conditional write per touched bucket.
 */
export function createSourceIdentityTable(table: LazyTable, options: SourceIdentityTableOptions): SourceIdentityCache {
  return {
    async getMany(kind, resourceIds) {
      const found = new Map<number, SourceIdentity>();
      const wanted = new Set(resourceIds);
      if (wanted.size === 0) return found;
      const buckets = new Set(byBucket(wanted, String, LAYOUT.buckets).keys());
      const client = await table.ready();
      for (const data of (await readBuckets(client, partitionOf(kind), buckets, LAYOUT)).values()) {
        forEachIdentity(data, (identity) => {
          if (wanted.has(identity.resourceId)) found.set(identity.resourceId, identity);
        });
      }
      return found;
    },

    async putMany(kind, identities) {
      if (identities.length === 0) return;
      const incoming = byBucket(identities, (i) => String(i.resourceId), LAYOUT.buckets);
      const client = await table.ready();
      await updateBuckets(
        client,
        partitionOf(kind),
        incoming.keys(),
        (bucket, current) => {
          const merged = new Map<number, SourceIdentity>();
          if (current !== null) forEachIdentity(current, (identity) => merged.set(identity.resourceId, identity));
          let newest = 0;
          for (const identity of incoming.get(bucket) ?? []) {
            const existing = merged.get(identity.resourceId);
            if (existing === undefined || existing.checkedAt <= identity.checkedAt) merged.set(identity.resourceId, identity);
            newest = Math.max(newest, identity.checkedAt);
          }
          const kept = [...merged.values()].filter((i) => newest - i.checkedAt < options.retainMs);
          return kept.length === 0 ? null : encodeIdentities(kept);
        },
        // Runs of other collections write the same buckets; a cache can skip a write that keeps losing the race.
        { mayGiveUp: true },
      );
    },
  };
}

function partitionOf(kind: SourceKind): string {
  return kind;
}

function encodeIdentities(identities: readonly SourceIdentity[]): Buffer {
  return packNewestThatFit(identities, (list) => {
    const writer = new ByteWriter();
    for (const i of list) {
      writer.double(i.resourceId);
      writer.item(i.name);
      writer.item(i.entraId);
      writer.item(i.userPrincipalName);
      writer.double(i.checkedAt);
    }
    return writer.finish();
  });
}

function forEachIdentity(data: Uint8Array, visit: (identity: SourceIdentity) => void): void {
  const reader = new ByteReader(data);
  while (!reader.done) {
    const resourceId = reader.double();
    const name = reader.item();
    const entraId = reader.item();
    const userPrincipalName = reader.item();
    const checkedAt = reader.double();
    visit({ resourceId, name: name ?? "", entraId, userPrincipalName, checkedAt });
  }
}

import { type SourceIdentity, type SourceIdentityCache, type SourceKind } from "../configmgr/sourceIdentityCache.js";
import { segmentStore } from "./packedSegments.js";
import { forEachSliced } from "../eventLoop.js";
import { ByteReader, ByteWriter } from "./packing.js";
import type { LazyTable } from "./tableAccess.js";

export interface SourceIdentityTableOptions {
  /** Identities older than this are dropped whenever their partition is folded (members long gone). */
  readonly retainMs: number;
}

/**
 * `sourceIdentity`: PartitionKey `device` or `user`; identities packed into append-only segments
 * (packedSegments.ts): the identities of a 100,000-member collection are one partition query, and a change
 * appends one row per few thousand identities looked up — runs of different collections at once never contend.
 */
export function createSourceIdentityTable(table: LazyTable, options: SourceIdentityTableOptions): SourceIdentityCache {
  const segments = segmentStore<number, SourceIdentity>({
    keyOf: (identity) => identity.resourceId,
    encode: encodeIdentities,
    decode: forEachIdentity,
    keep: (identity, newest) => newest - identity.checkedAt < options.retainMs,
  });
  return {
    async getMany(kind, resourceIds) {
      if (resourceIds.length === 0) return new Map();
      const wanted = new Set<number>();
      await forEachSliced(resourceIds, (id) => wanted.add(id));
      return segments.read(await table.ready(), partitionOf(kind), wanted);
    },

    async putMany(kind, identities) {
      if (identities.length === 0) return;
      await segments.append(await table.ready(), partitionOf(kind), identities);
    },
  };
}

function partitionOf(kind: SourceKind): string {
  return kind;
}

function encodeIdentities(identities: readonly SourceIdentity[]): Buffer {
  const writer = new ByteWriter();
  for (const i of identities) {
    writer.double(i.resourceId);
    writer.item(i.name);
    writer.item(i.entraId);
    writer.item(i.userPrincipalName);
    writer.double(i.checkedAt);
  }
  return writer.finish();
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

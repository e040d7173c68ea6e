/**
 * What the AdminService told us about each collection member (SMS_R_System / SMS_R_User), remembered by
 * ResourceID so a collection change looks up only members not seen before (docs/adminservice-queries.md "Source identity cache").
 * Adapters: Table Storage (shared/storage/sourceIdentityTable.ts) and the collector's data folder
 * (shared/storage/sourceIdentityFile.ts). The store keeps and returns identities as given; when one is due for a
 * fresh look is decided by identityRefresh.ts.
 */

/** Devices live in SMS_R_System, users in SMS_R_User: their ResourceIDs are kept apart. */
export type SourceKind = "device" | "user";

export interface SourceIdentity {
  readonly resourceId: number;
  readonly name: string;
  /** AADDeviceID (devices) or AADUserID (users), lower-case; null when ConfigMgr records none (or no record exists). */
  readonly entraId: string | null;
  /** Users only (null for devices and for users without one). */
  readonly userPrincipalName: string | null;
  /** Epoch ms of the AdminService read this came from. */
  readonly checkedAt: number;
}

export interface SourceIdentityCache {
  /** The stored identities among `resourceIds`, however old; ids never stored are absent. */
  getMany(kind: SourceKind, resourceIds: readonly number[]): Promise<Map<number, SourceIdentity>>;
  /** Stores these identities; of two for the same ResourceID the one with the later `checkedAt` is kept. */
  putMany(kind: SourceKind, identities: readonly SourceIdentity[]): Promise<void>;
}

/**
 * The cache as a re-check sees it: identities without an Entra id read as never seen, so every such member is
 * looked up again whatever its age (a device that joined Entra since shows at once); the rest still come from
 * the cache, and what is looked up is remembered as usual.
 */
export function withoutUnresolved(cache: SourceIdentityCache): SourceIdentityCache {
  return {
    async getMany(kind, resourceIds) {
      const known = await cache.getMany(kind, resourceIds);
      for (const [id, identity] of known) if (identity.entraId === null) known.delete(id);
      return known;
    },
    putMany: (kind, identities) => cache.putMany(kind, identities),
  };
}

/** The identities among `resourceIds` that `known` holds: what every adapter's getMany answers. */
export function knownAmong(known: ReadonlyMap<number, SourceIdentity>, resourceIds: readonly number[]): Map<number, SourceIdentity> {
  const found = new Map<number, SourceIdentity>();
  for (const id of resourceIds) {
    const identity = known.get(id);
    if (identity !== undefined) found.set(id, identity);
  }
  return found;
}

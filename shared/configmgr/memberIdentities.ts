import type { IdentityRefreshPolicy } from "./identityRefresh.js";
import { isDue } from "./identityRefresh.js";
import { forEachSliced } from "../eventLoop.js";
import type { SourceIdentity, SourceIdentityCache, SourceKind } from "./sourceIdentityCache.js";

export interface MemberRef {
  readonly resourceId: number;
  /** The name the membership row carries (used when no discovery record exists). */
  readonly name: string;
}

export interface IdentityCacheUse {
  readonly cache: SourceIdentityCache;
  readonly refresh: IdentityRefreshPolicy;
  readonly now: () => number;
}

/** Looks up discovery records of `members` and answers their identities (a member without a record: entraId null). */
export type IdentityLookup = (members: readonly MemberRef[], checkedAt: number) => Promise<SourceIdentity[]>;

/**
 * The identities of a collection's members: remembered ones that are not yet due for a fresh look come from the
 * cache, only the rest (members not seen before, and those due) are looked up, and what was looked up is
 * remembered. Without a cache every member is looked up.
 */
export async function memberIdentities(
  kind: SourceKind,
  members: readonly MemberRef[],
  lookup: IdentityLookup,
  use: IdentityCacheUse | null,
): Promise<Map<number, SourceIdentity>> {
  const now = use?.now() ?? Date.now();
  const ids: number[] = [];
  await forEachSliced(members, (m) => ids.push(m.resourceId));
  const known = use === null ? new Map<number, SourceIdentity>() : await use.cache.getMany(kind, ids);
  const toLookUp: MemberRef[] = [];
  await forEachSliced(members, (m) => {
    const identity = known.get(m.resourceId);
    if (use === null || identity === undefined || isDue(identity, now, use.refresh)) toLookUp.push(m);
  });
  const fresh = toLookUp.length === 0 ? [] : await lookup(toLookUp, now);
  if (use !== null && fresh.length > 0) await use.cache.putMany(kind, fresh);
  await forEachSliced(fresh, (identity) => known.set(identity.resourceId, identity));
  return known;
}

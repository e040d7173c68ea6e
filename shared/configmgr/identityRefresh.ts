import type { SourceIdentity } from "./sourceIdentityCache.js";

/**
 * When a remembered source identity is looked up again. A member with an Entra id rarely changes it; one without
 * may join Entra (or user discovery may record its id) any time, so it is re-checked sooner. Each identity is
 * due somewhere between half and all of its interval, by a fixed hash of its ResourceID, so identities first
 * seen together (a whole collection on its first sync) are re-read spread over half an interval instead of in one
 * run. The bound: an identity is never trusted longer than its interval.
 */
export interface IdentityRefreshPolicy {
  /** Most an identity with an Entra id is trusted (SOURCE_IDENTITY_REFRESH_MINUTES). */
  readonly withEntraIdMs: number;
  /** Most an identity without one is trusted (SOURCE_IDENTITY_RECHECK_MINUTES). */
  readonly withoutEntraIdMs: number;
}

export const DEFAULT_IDENTITY_REFRESH: IdentityRefreshPolicy = {
  withEntraIdMs: 24 * 60 * 60 * 1000,
  withoutEntraIdMs: 60 * 60 * 1000,
};

/** A fraction in [0.5, 1) fixed per ResourceID (Knuth's multiplicative hash). */
function spread(resourceId: number): number {
  const hash = Math.imul(resourceId >>> 0, 0x9e3779b1) >>> 0;
  return 0.5 + hash / 2 ** 33;
}

export function isDue(identity: SourceIdentity, now: number, policy: IdentityRefreshPolicy): boolean {
  const interval = identity.entraId === null ? policy.withoutEntraIdMs : policy.withEntraIdMs;
  return now - identity.checkedAt >= interval * spread(identity.resourceId);
}

/** The simulated tenants the bench runs against (built inside the simulator's process, see simulatorHost.ts). */
import { buildLargeSeed, type LargeSeed } from "../simulator/index.js";
import { collectorSeed } from "./collectorSeed.js";
import type { BenchOptions } from "./options.js";

export type SeedKind = "sync" | "users" | "naive" | "collector";

export interface BenchSeed {
  readonly seed: LargeSeed;
  /** The collection members join before S3 / S3u, and its resource ids once they are in. */
  readonly joiningCollectionId: string;
  readonly allMembers: readonly number[];
  /** Members of the naive slice (0 for the sync tenant). */
  readonly sliceMembers: number;
}

/**
 * The sync tenant: `devices` Entra-joined devices plus the devices without an Entra id and the hybrid-joined
 * ones in the collection, and `joining` more Entra-joined devices that ConfigMgr knows but that join the
 * collection only before S3.
 */
function syncSeed(options: BenchOptions): BenchSeed {
  const inCollection = options.devices + options.withoutEntraId + options.hybrid;
  return withJoiners(buildLargeSeed({ devices: inCollection + options.joining, withoutEntraId: options.withoutEntraId, hybrid: options.hybrid }), inCollection);
}

/** The seed's device collection cut to its first `inCollection` members; the rest join it later (joinCollection). */
export function withJoiners(built: LargeSeed, inCollection: number): BenchSeed {
  const collections = built.configMgr?.collections ?? [];
  const deviceCollection = collections.find((c) => c.CollectionID === built.ids.deviceCollectionId);
  const allMembers = [...(deviceCollection?.members ?? [])];
  const seed: LargeSeed = {
    ...built,
    configMgr: {
      ...built.configMgr,
      collections: collections.map((c) => (c === deviceCollection ? { ...c, members: allMembers.slice(0, inCollection) } : c)),
    },
  };
  return { seed, joiningCollectionId: built.ids.deviceCollectionId, allMembers, sliceMembers: 0 };
}

/**
 * The user tenant (S1u, S3u): `users` users in a user collection, and `joiningUsers` more that join it before
 * S3u. The joiners are every third of the next users, so their ResourceIDs are too scattered for ranges: S3u
 * shows the cost of one-by-one (`eq`) look-ups.
 */
function userSeed(options: BenchOptions): BenchSeed {
  const spread = 3 * options.joiningUsers;
  const built = buildLargeSeed({ devices: 1, users: options.users + spread });
  const collections = built.configMgr?.collections ?? [];
  const userCollection = collections.find((c) => c.CollectionID === built.ids.userCollectionId);
  const everyone = [...(userCollection?.members ?? [])];
  const initial = everyone.slice(0, options.users);
  const allMembers = [...initial, ...everyone.slice(options.users).filter((_, i) => i % 3 === 0).slice(0, options.joiningUsers)];
  const seed: LargeSeed = {
    ...built,
    configMgr: { ...built.configMgr, collections: collections.map((c) => (c === userCollection ? { ...c, members: initial } : c)) },
  };
  return { seed, joiningCollectionId: built.ids.userCollectionId ?? "", allMembers, sliceMembers: 0 };
}

/** The naive slice keeps the collection's mix: the same share of devices without an Entra id and hybrid-joined. */
function naiveSeed(options: BenchOptions): BenchSeed {
  const collectionSize = options.devices + options.withoutEntraId + options.hybrid;
  const slice = Math.min(options.naiveSlice, collectionSize);
  const share = (n: number) => Math.round((n * slice) / collectionSize);
  const seed = buildLargeSeed({ devices: slice, withoutEntraId: share(options.withoutEntraId), hybrid: share(options.hybrid) });
  return { seed, joiningCollectionId: seed.ids.deviceCollectionId, allMembers: [], sliceMembers: slice };
}

export function buildBenchSeed(kind: SeedKind, options: BenchOptions): BenchSeed {
  if (kind === "collector") return collectorSeed(options);
  return kind === "sync" ? syncSeed(options) : kind === "users" ? userSeed(options) : naiveSeed(options);
}

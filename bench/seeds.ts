/** The simulated tenants the bench runs against (built inside the simulator's process, see simulatorHost.ts). */
import { buildLargeSeed, largeSeedDeviceObjectId, type LargeSeed } from "../simulator/index.js";
import { collectorSeed } from "./collectorSeed.js";
import type { BenchOptions, PacingCell } from "./options.js";

export type SeedKind = "sync" | "users" | "naive" | "fleet" | "collector" | "pacing" | "unchanged" | "scale";

export interface BenchSeed {
  readonly seed: LargeSeed;
  /** S5: the mappings' collections and groups (empty for the other tenants). */
  readonly fleet: readonly { readonly collectionId: string; readonly groupId: string }[];
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
  return { seed, fleet: [], joiningCollectionId: built.ids.deviceCollectionId, allMembers, sliceMembers: 0 };
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
  const allMembers = [
    ...initial,
    ...everyone
      .slice(options.users)
      .filter((_, i) => i % 3 === 0)
      .slice(0, options.joiningUsers),
  ];
  const seed: LargeSeed = {
    ...built,
    configMgr: { ...built.configMgr, collections: collections.map((c) => (c === userCollection ? { ...c, members: initial } : c)) },
  };
  return { seed, fleet: [], joiningCollectionId: built.ids.userCollectionId ?? "", allMembers, sliceMembers: 0 };
}

/** The naive slice keeps the collection's mix: the same share of devices without an Entra id and hybrid-joined. */
function naiveSeed(options: BenchOptions): BenchSeed {
  const collectionSize = options.devices + options.withoutEntraId + options.hybrid;
  const slice = Math.min(options.naiveSlice, collectionSize);
  const share = (n: number) => Math.round((n * slice) / collectionSize);
  const seed = buildLargeSeed({ devices: slice, withoutEntraId: share(options.withoutEntraId), hybrid: share(options.hybrid) });
  return { seed, fleet: [], joiningCollectionId: seed.ids.deviceCollectionId, allMembers: [], sliceMembers: slice };
}

/**
 * S5: `fleetMappings` device collections of `fleetDevices` Entra-joined devices each (one tenant's devices split
 * among them), each mapped to its own empty group: many mappings sharing one tenant's write budget.
 */
function fleetSeed(options: BenchOptions): BenchSeed {
  const built = buildLargeSeed({ devices: options.fleetMappings * options.fleetDevices });
  const fleet = fleetIds(options.fleetMappings, "FLT", "00000095");
  const tenants = (built.tenants ?? []).map((t) => ({
    ...t,
    groups: fleet.map((f, i) => ({ id: f.groupId, displayName: `Fleet ${i + 1} - Cloud Sync`, members: [] })),
  }));
  const collections = fleetCollections(built, fleet, options.fleetDevices, (i) => `Fleet ${i + 1} (${options.fleetDevices} devices)`);
  const seed: LargeSeed = { ...built, tenants, configMgr: { ...built.configMgr, collections } };
  return { seed, fleet, joiningCollectionId: "", allMembers: [], sliceMembers: 0 };
}

/** `count` mappings' ids: collections `PREFIX00001…` (a site code and five hex digits), groups `KIND-0000-4000-8000-…`. */
function fleetIds(count: number, sitePrefix: string, groupKind: string): BenchSeed["fleet"] {
  return Array.from({ length: count }, (_, i) => ({
    collectionId: `${sitePrefix}${(i + 1).toString(16).toUpperCase().padStart(5, "0")}`,
    groupId: `${groupKind}-0000-4000-8000-${(i + 1).toString(16).padStart(12, "0")}`,
  }));
}

/** The seed's devices split among the fleet's collections, `size` each in seed order. */
function fleetCollections(built: LargeSeed, fleet: BenchSeed["fleet"], size: number, name: (index: number) => string) {
  const members = built.configMgr?.collections?.find((c) => c.CollectionID === built.ids.deviceCollectionId)?.members ?? [];
  return fleet.map((f, i) => ({
    CollectionID: f.collectionId,
    Name: name(i),
    CollectionType: 2 as const,
    LastMemberChangeTime: "2024-06-01T00:00:00Z",
    members: members.slice(i * size, (i + 1) * size),
  }));
}

/** S8: enough Entra-joined devices for the largest grid cell, and one empty group per cell (in `fleet`). */
function pacingSeed(options: BenchOptions): BenchSeed {
  const devices = Math.max(...options.pacingGrid.map((cell) => pacingWrites(cell, options.pacingSeconds))) * MEMBERS_PER_WRITE;
  const built = buildLargeSeed({ devices });
  const fleet = options.pacingGrid.map((_, i) => ({
    collectionId: built.ids.deviceCollectionId,
    groupId: `00000098-0000-4000-8000-${(i + 1).toString(16).padStart(12, "0")}`,
  }));
  const tenants = (built.tenants ?? []).map((t) => ({
    ...t,
    groups: fleet.map((f, i) => ({ id: f.groupId, displayName: `Pacing ${i + 1} - Cloud Sync`, members: [] })),
  }));
  return { seed: { ...built, tenants }, fleet, joiningCollectionId: "", allMembers: [], sliceMembers: 0 };
}

/** S4's unchanged runs: devices in each mapping's collection (and already in its group). */
export const UNCHANGED_MAPPING_DEVICES = 2;

/**
 * S4's unchanged runs: `mappings` device collections of two Entra-joined devices each, each mapped to its own group
 * that already holds those two devices. The first sync of each mapping then writes nothing: it only reads, which
 * keeps 10,000 first syncs within minutes (10,000 writes would take 8 minutes of Graph's write budget), and leaves
 * the mapping synced and unchanged, as any first sync does.
 */
function unchangedSeed(options: BenchOptions): BenchSeed {
  const size = UNCHANGED_MAPPING_DEVICES;
  const built = buildLargeSeed({ devices: options.mappings * size });
  const fleet = fleetIds(options.mappings, "UNC", "00000097");
  const tenants = (built.tenants ?? []).map((t) => ({
    ...t,
    groups: fleet.map((f, i) => ({
      id: f.groupId,
      displayName: `Unchanged ${i + 1} - Cloud Sync`,
      members: Array.from({ length: size }, (_, k) => largeSeedDeviceObjectId(i * size + k)),
    })),
  }));
  const collections = fleetCollections(built, fleet, size, (i) => `Unchanged ${i + 1}`);
  const seed: LargeSeed = { ...built, tenants, configMgr: { ...built.configMgr, collections } };
  return { seed, fleet, joiningCollectionId: "", allMembers: [], sliceMembers: 0 };
}

/** Members one `PATCH` adds (docs/performance.md): one write. */
export const MEMBERS_PER_WRITE = 20;

/** Writes of an S8 cell: the whole burst, then `seconds` of the sustained rate. */
export function pacingWrites(cell: PacingCell, seconds: number): number {
  return cell.burst + Math.round(cell.perSecond * seconds);
}

export function buildBenchSeed(kind: SeedKind, options: BenchOptions): BenchSeed {
  switch (kind) {
    case "sync":
      return syncSeed(options);
    case "users":
      return userSeed(options);
    case "naive":
      return naiveSeed(options);
    case "fleet":
      return fleetSeed(options);
    case "collector":
      return collectorSeed(options);
    case "pacing":
      return pacingSeed(options);
    case "unchanged":
      return unchangedSeed(options);
    case "scale":
      return withJoiners(buildLargeSeed({ devices: options.scaleMembers + options.scaleChange }), options.scaleMembers);
  }
}

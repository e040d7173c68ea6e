/** The simulated tenants the bench runs against (built inside the simulator's process, see simulatorHost.ts). */
import { buildLargeSeed, type LargeSeed } from "../simulator/index.js";
import { collectorSeed } from "./collectorSeed.js";
import type { BenchOptions, PacingCell } from "./options.js";

export type SeedKind = "sync" | "users" | "naive" | "fleet" | "collector" | "pacing" | "scale";

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
  const members = built.configMgr?.collections?.find((c) => c.CollectionID === built.ids.deviceCollectionId)?.members ?? [];
  const fleet = Array.from({ length: options.fleetMappings }, (_, i) => ({
    collectionId: `FLT${(i + 1).toString(16).toUpperCase().padStart(5, "0")}`,
    groupId: `00000095-0000-4000-8000-${(i + 1).toString(16).padStart(12, "0")}`,
  }));
  const collections = fleet.map((f, i) => ({
    CollectionID: f.collectionId,
    Name: `Fleet ${i + 1} (${options.fleetDevices} devices)`,
    CollectionType: 2 as const,
    LastMemberChangeTime: "2024-06-01T00:00:00Z",
    members: members.slice(i * options.fleetDevices, (i + 1) * options.fleetDevices),
  }));
  const tenants = (built.tenants ?? []).map((t) => ({
    ...t,
    groups: fleet.map((f, i) => ({ id: f.groupId, displayName: `Fleet ${i + 1} - Cloud Sync`, members: [] })),
  }));
  const seed: LargeSeed = { ...built, tenants, configMgr: { ...built.configMgr, collections } };
  return { seed, fleet, joiningCollectionId: "", allMembers: [], sliceMembers: 0 };
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
    case "scale":
      return withJoiners(buildLargeSeed({ devices: options.scaleMembers + options.scaleChange }), options.scaleMembers);
  }
}

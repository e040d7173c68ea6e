/** The simulated tenants the bench runs against (built inside the simulator's process, see simulatorHost.ts). */
import { buildLargeSeed, type LargeSeed } from "../simulator/index.js";
import type { BenchOptions } from "./options.js";

export type SeedKind = "sync" | "naive";

export interface BenchSeed {
  readonly seed: LargeSeed;
  /** Resource ids of the device collection once the joining devices are in (S3). */
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
  const built = buildLargeSeed({ devices: inCollection + options.joining, withoutEntraId: options.withoutEntraId, hybrid: options.hybrid });
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
  return { seed, allMembers, sliceMembers: 0 };
}

/** The naive slice keeps the collection's mix: the same share of devices without an Entra id and hybrid-joined. */
function naiveSeed(options: BenchOptions): BenchSeed {
  const collectionSize = options.devices + options.withoutEntraId + options.hybrid;
  const slice = Math.min(options.naiveSlice, collectionSize);
  const share = (n: number) => Math.round((n * slice) / collectionSize);
  const seed = buildLargeSeed({ devices: slice, withoutEntraId: share(options.withoutEntraId), hybrid: share(options.hybrid) });
  return { seed, allMembers: [], sliceMembers: slice };
}

export function buildBenchSeed(kind: SeedKind, options: BenchOptions): BenchSeed {
  return kind === "sync" ? syncSeed(options) : naiveSeed(options);
}

import type { MappingStore } from "../core/ports/mappingStore.js";
import { mappedCollections } from "../snapshots/mappedCollections.js";
import type { SnapshotService } from "../snapshots/snapshotService.js";
import type { SnapshotFreshness } from "./snapshotWatch.js";

/**
 * The freshness of every mapped collection's snapshot (SOURCE_MODE=pushed), for the notifier. A collection still
 * awaiting its first snapshot is not "stale": /api/health shows it as awaited, and nothing was ever fresh.
 */
export async function pushedSnapshotFreshness(
  deps: { readonly mappings: MappingStore; readonly snapshots: SnapshotService },
  now: number,
  maxAgeMs: number,
): Promise<SnapshotFreshness[]> {
  const collections = await mappedCollections(deps, now, maxAgeMs);
  return collections.flatMap(({ collectionId, snapshot }) =>
    snapshot === null
      ? []
      : [
          {
            collectionId,
            collectionName: snapshot.name,
            stale: snapshot.stale,
            confirmedAt: new Date(now - snapshot.ageSeconds * 1000).toISOString(),
            maxAgeMinutes: Math.round(maxAgeMs / 60_000),
          },
        ],
  );
}

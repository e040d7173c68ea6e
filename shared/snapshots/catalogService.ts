import type { Logger } from "../logger.js";
import type { Clock } from "../core/ports/clock.js";
import { catalogHash, type CatalogEntry, type CatalogStore, type CatalogUpload, type StoredCatalog } from "./siteCatalog.js";
import { SnapshotRefusedError } from "./snapshotErrors.js";
import { PartRejected } from "./snapshotFormat.js";

export interface SiteCatalogDeps {
  readonly store: CatalogStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** SOURCE_MODE=pushed; otherwise uploads are refused (`pushed-mode-off`). */
  readonly pushed: boolean;
}

/** The catalog as GET /api/collections/mapped tells a collector (enough to decide whether to upload again). */
export interface CatalogState {
  readonly hash: string;
  readonly readAt: string;
  readonly collections: number;
}

export interface SiteCatalogService {
  /** Stores an uploaded catalog (the collector sends it when its hash changed, or hourly). */
  accept(upload: CatalogUpload, by: string): Promise<{ readonly status: "stored"; readonly catalog: CatalogState }>;
  current(): Promise<StoredCatalog | null>;
  /** One collection of the catalog by id (case-insensitive), or null. */
  find(collectionId: string): Promise<CatalogEntry | null>;
}

export function stateOf(catalog: StoredCatalog): CatalogState {
  return { hash: catalog.hash, readAt: catalog.readAt, collections: catalog.collections.length };
}

export function createSiteCatalogService(deps: SiteCatalogDeps): SiteCatalogService {
  return {
    async accept(upload, by) {
      if (!deps.pushed)
        throw new SnapshotRefusedError("pushed-mode-off", "This app reads ConfigMgr itself (SOURCE_MODE=adminservice); it takes no collection catalog.");
      const stored: StoredCatalog = {
        collections: upload.collections,
        hash: catalogHash(upload.collections),
        // A collector's clock may run ahead: its read never counts as later than the app's now.
        readAt: new Date(Math.min(Date.parse(upload.readAt), deps.clock.now())).toISOString(),
        uploadedAt: new Date(deps.clock.now()).toISOString(),
        collector: upload.collector,
        uploadedBy: by,
      };
      try {
        await deps.store.put(stored);
      } catch (error) {
        if (error instanceof RangeError) throw new PartRejected(true, `The catalog is too large to keep: ${error.message}.`);
        throw error;
      }
      deps.log.info("collection catalog stored", { collections: stored.collections.length, collector: stored.collector, by });
      return { status: "stored", catalog: stateOf(stored) };
    },
    current: () => deps.store.get(),
    async find(collectionId) {
      const catalog = await deps.store.get();
      const id = collectionId.toUpperCase();
      return catalog?.collections.find((entry) => entry.id.toUpperCase() === id) ?? null;
    },
  };
}

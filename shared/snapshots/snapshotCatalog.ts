import { rankFound, type CollectionCatalog, type CollectionSummary } from "../configmgr/collectionCatalog.js";
import type { CatalogStore } from "./siteCatalog.js";
import type { SnapshotStore } from "./snapshotStore.js";

/**
 * Collection search in `pushed` mode: the app cannot ask the AdminService, so it searches the site's collection
 * catalog the collector uploads, and the collections it holds snapshots of (uploaded before any catalog was):
 * anywhere in the name, case-insensitively, or the exact id, with their member counts.
 */
export function createSnapshotCatalog(snapshots: SnapshotStore, catalog: CatalogStore): CollectionCatalog {
  return {
    async search(text, limit) {
      const needle = text.toLowerCase();
      const found = new Map<string, CollectionSummary>();
      const consider = (summary: CollectionSummary) => {
        const key = summary.id.toUpperCase();
        if (found.has(key)) return;
        if (summary.name.toLowerCase().includes(needle) || summary.id.toLowerCase() === needle) found.set(key, summary);
      };
      for (const entry of (await catalog.get())?.collections ?? [])
        consider({ id: entry.id, name: entry.name, type: entry.type, memberCount: entry.memberCount });
      for await (const current of snapshots.listCurrent()) {
        const { collection } = current;
        consider({ id: current.collectionId, name: collection.name, type: collection.type, memberCount: collection.memberCount });
      }
      return rankFound([...found.values()], text, limit);
    },
  };
}

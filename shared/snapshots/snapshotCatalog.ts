import type { CollectionCatalog, CollectionSummary } from "../configmgr/collectionCatalog.js";
import type { SnapshotStore } from "./snapshotStore.js";

/**
 * Collection search in `pushed` mode: the app cannot ask the AdminService, so it searches the collections the
 * collector has uploaded (by name prefix, case-insensitively, or exact id), with their member counts.
 */
export function createSnapshotCatalog(snapshots: SnapshotStore): CollectionCatalog {
  return {
    async search(text, limit) {
      const needle = text.toLowerCase();
      const found: CollectionSummary[] = [];
      for await (const current of snapshots.listCurrent()) {
        const { collection } = current;
        if (collection.name.toLowerCase().startsWith(needle) || current.collectionId.toLowerCase() === needle) {
          found.push({ id: current.collectionId, name: collection.name, type: collection.type, memberCount: collection.memberCount });
        }
      }
      const exactId = (c: CollectionSummary) => Number(c.id.toLowerCase() === needle);
      return found.sort((a, b) => exactId(b) - exactId(a) || a.name.localeCompare(b.name)).slice(0, limit);
    },
  };
}

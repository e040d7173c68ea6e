import type { MappedCollection } from "../snapshots/mappedCollections.js";
import { errorLine, failed, notApplicable, passed, type DiagnosticCheck } from "./diagnosis.js";

const COLLECTOR_DOCS = "docs/collector.md";

/** SOURCE_MODE=pushed: the app reads no AdminService; each mapped collection's snapshot must be fresh. */
export async function snapshotChecks(mapped: () => Promise<readonly MappedCollection[]>, maxAgeMs: number): Promise<DiagnosticCheck[]> {
  const adminService = notApplicable(
    "AdminService",
    "SOURCE_MODE=pushed: the on-premises collector reads it, not the app — run collection-sync doctor on the collector's host",
  );
  let collections: readonly MappedCollection[];
  try {
    collections = await mapped();
  } catch (error) {
    return [adminService, failed("Snapshots", errorLine(error), "Check Table Storage (above).")];
  }
  const limit = minutes(maxAgeMs / 1000);
  return [
    adminService,
    ...collections.map(({ collectionId, snapshot }): DiagnosticCheck => {
      const name = `Snapshot of ${collectionId}`;
      if (snapshot === null) {
        return failed(
          name,
          "none yet: no collector has uploaded this collection",
          `Run the collector on a server next to the site (collection-sync collect, ${COLLECTOR_DOCS}) and check it there with collection-sync doctor.`,
        );
      }
      const seen = `${minutes(snapshot.ageSeconds)} old, from ${snapshot.collector}, ${snapshot.members} members`;
      if (snapshot.stale) {
        return failed(
          name,
          `${seen}: older than ${limit} (SNAPSHOT_MAX_AGE_MINUTES), so removals are blocked (source-stale)`,
          `Check the collector on ${snapshot.collector}: collection-sync doctor and collection-sync collect --once there (${COLLECTOR_DOCS}).`,
        );
      }
      return passed(name, seen);
    }),
  ];
}

function minutes(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

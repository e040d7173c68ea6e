import type { Probe } from "./health.js";
import type { Mapping } from "../core/mapping.js";
import type { MappingStore } from "../core/ports/mappingStore.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { MappedCollection } from "../snapshots/mappedCollections.js";
import { adminServiceChecks, type AdminServiceDoctorDeps } from "./adminServiceChecks.js";
import { diagnosisOf, errorLine, failed, type DiagnosticCheck, type Diagnosis } from "./diagnosis.js";
import { graphChecks, type GraphDoctorDeps } from "./graphChecks.js";
import { queueChecks, storageCheck } from "./platformChecks.js";
import { snapshotChecks } from "./snapshotChecks.js";

/** What the app's diagnosis reaches; the composition root fills it from the same parts the sync uses. */
export interface AppDoctorDeps {
  readonly storage: Probe;
  readonly queue: JobQueue;
  readonly mappings: MappingStore;
  readonly graph: Omit<GraphDoctorDeps, "mappings">;
  /** SOURCE_MODE=adminservice: the AdminService the app reads. */
  readonly adminService: Omit<AdminServiceDoctorDeps, "mappedCollections"> | null;
  /** SOURCE_MODE=pushed: the mapped collections with their snapshots, and how old one may be. */
  readonly snapshots: { readonly mapped: () => Promise<readonly MappedCollection[]>; readonly maxAgeMs: number } | null;
}

/**
 * `collection-sync doctor` and `GET /api/health?verbose=true` for the app: storage and queue, then the source
 * (AdminService, or the collector's snapshots) and Graph for the enabled mappings.
 */
export async function diagnoseApp(deps: AppDoctorDeps): Promise<Diagnosis> {
  const [storage, queue] = await Promise.all([storageCheck(deps.storage), queueChecks(deps.queue)]);
  const listed = await enabledMappings(deps.mappings);
  const collections = [...new Set(listed.mappings.map((m) => m.collectionId))].sort();
  const [source, graph] = await Promise.all([
    deps.adminService !== null
      ? adminServiceChecks({ ...deps.adminService, mappedCollections: collections })
      : deps.snapshots !== null
        ? snapshotChecks(deps.snapshots.mapped, deps.snapshots.maxAgeMs)
        : Promise.resolve([]),
    graphChecks({ ...deps.graph, mappings: listed.mappings }),
  ]);
  return diagnosisOf([storage, ...queue, ...listed.checks, ...source, ...graph]);
}

async function enabledMappings(store: MappingStore): Promise<{ mappings: Mapping[]; checks: DiagnosticCheck[] }> {
  const mappings: Mapping[] = [];
  try {
    for await (const mapping of store.listAll({ enabledOnly: true })) mappings.push(mapping);
    return { mappings, checks: [] };
  } catch (error) {
    return {
      mappings: [],
      checks: [failed("Mappings", `cannot be listed, so no mapped collection or group is checked: ${errorLine(error)}`, "Fix Table Storage (above) first.")],
    };
  }
}

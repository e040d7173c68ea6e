import type { CollectionCatalog } from "../configmgr/collectionCatalog.js";
import type { MembershipSourceProvider } from "../core/ports/membershipSource.js";
import type { DirectoryProvider } from "../core/ports/directory.js";
import type { Logger } from "../logger.js";
import type { MappingRef } from "../core/ids.js";
import type { MappingStore } from "../core/ports/mappingStore.js";
import type { NotificationHealth } from "../notify/notifications.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { Clock } from "../core/ports/clock.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { MappingState, MappingStateStore } from "../core/ports/mappingState.js";
import type { RunStore } from "../core/ports/runStore.js";
import type { SyncRequest } from "../sync/syncDeps.js";
import type { SyncRun } from "../core/syncRun.js";
import type { Access, AuthConfig } from "./auth.js";
import type { HealthReport } from "../doctor/health.js";
import type { Diagnosis } from "../doctor/diagnosis.js";
import type { SnapshotService } from "../snapshots/snapshotService.js";
import type { ApiRequest, ApiResponse } from "./apiMessages.js";

/** Everything the API talks to; built once per process by the composition root. */
export interface ApiDeps {
  readonly mappings: MappingStore;
  readonly directories: DirectoryProvider;
  readonly sources: MembershipSourceProvider;
  /** Collection search for pickers (AdminService, or the collector's snapshots in pushed mode). */
  readonly collections: CollectionCatalog;
  readonly runs: RunStore;
  readonly state: MappingStateStore;
  readonly ledger: Ledger;
  readonly queue: JobQueue;
  /** Collector snapshots (SOURCE_MODE=pushed; refuses uploads otherwise). */
  readonly snapshots: SnapshotService;
  /** The sync engine (`syncMapping` bound to its deps); the API calls it only with `dryRun: true`. */
  readonly sync: (request: SyncRequest) => Promise<SyncRun>;
  /** Approves the currently blocked change once; throws NotFoundError when nothing is blocked. */
  readonly approve: (ref: MappingRef, by: string) => Promise<MappingState>;
  /** Storage / queue / Graph probes (see `probeAll` in ../doctor/health.ts). */
  readonly health: () => Promise<HealthReport>;
  /** The deeper checks of `GET /health?verbose=true` (shared/doctor); absent: verbose health is not offered. */
  readonly diagnose?: () => Promise<Diagnosis>;
  /** Delivery state of notifications (pending, last failure); absent when none are configured. */
  readonly notificationHealth?: () => Promise<NotificationHealth>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly auth: AuthConfig;
}

/** One route the API answers (pattern below /api, `:name` = one path segment). */
export interface RouteInfo {
  readonly method: string;
  readonly pattern: string;
  readonly access: Access;
}

/** The transport-neutral API: never throws; every failure comes back as a problem response. */
export interface MappingsApi {
  handle(request: ApiRequest): Promise<ApiResponse>;
  /** Every route, so tests and tools can cover each one without listing them by hand. */
  readonly routes: readonly RouteInfo[];
}

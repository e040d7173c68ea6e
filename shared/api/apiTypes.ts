import type { AuditStore } from "../audit/auditTrail.js";
import type { FleetIndex } from "../mappings/fleetIndex.js";
import type { CollectionCatalog } from "../configmgr/collectionCatalog.js";
import type { MembershipSourceProvider } from "../configmgr/membershipSource.js";
import type { DirectoryProvider } from "../graph/directory.js";
import type { Logger } from "../logger.js";
import type { MappingRef } from "../mappings/ids.js";
import type { MappingStore } from "../mappings/mappingStore.js";
import type { NotificationHealth } from "../notify/notifications.js";
import type { JobQueue } from "../queue/jobQueue.js";
import type { Clock } from "../sync/clock.js";
import type { Ledger } from "../sync/ledger.js";
import type { MappingState, MappingStateStore } from "../sync/mappingState.js";
import type { RunStore } from "../sync/runStore.js";
import type { SyncRequest } from "../sync/syncDeps.js";
import type { SyncRun } from "../sync/syncRun.js";
import type { Access, AuthConfig } from "./auth.js";
import type { HealthReport } from "./health.js";
import type { Diagnosis } from "../doctor/diagnosis.js";
import type { SnapshotService } from "../snapshots/snapshotService.js";

/**
 * One HTTP request as the API core sees it, whatever carried it (the Functions host or `node:http`).
 * `path` is the part below the `/api` prefix, still percent-encoded (e.g. `/mappings/PS100012/0f3c…`).
 */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * The body: already-read text, or a byte stream the core reads only when the route takes a body, and then
   * no further than the size limit (so an oversized body is refused without being read in full).
   */
  readonly body?: string | Uint8Array | AsyncIterable<Uint8Array> | null;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Serialised as JSON by the transport; absent for 204. */
  readonly jsonBody?: unknown;
  /** A body sent as it is (CSV), instead of jsonBody. */
  readonly textBody?: string;
  /** Bytes sent as they are (the console's precompressed files), instead of textBody or jsonBody. */
  readonly bytesBody?: Uint8Array;
  /** A body sent piece by piece as it is produced (a large CSV), instead of jsonBody or textBody. */
  readonly streamBody?: () => AsyncIterable<string | Uint8Array>;
}

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
  /** Storage / queue / Graph probes (see `probeAll` in ./health.ts). */
  readonly health: () => Promise<HealthReport>;
  /** The deeper checks of `GET /health?verbose=true` (shared/doctor); absent: verbose health is not offered. */
  readonly diagnose?: () => Promise<Diagnosis>;
  /** Delivery state of notifications (pending, last failure); absent when none are configured. */
  readonly notificationHealth?: () => Promise<NotificationHealth>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly auth: AuthConfig;
  /** Who changed what: every write route records its change here. */
  readonly audit: AuditStore;
  /** Every mapping and its state in memory, for the list (built by createMappingsApi when absent). */
  readonly fleet?: FleetIndex;
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

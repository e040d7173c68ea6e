import type { TokenCredential } from "@azure/identity";
import { apiDepsFrom } from "../shared/api/apiDeps.js";
import type { ApiDeps } from "../shared/api/apiTypes.js";
import type { AuthConfig } from "../shared/api/auth.js";
import type { HealthReport } from "../shared/doctor/health.js";
import type { Settings } from "../shared/config/settings.js";
import type { AdminServiceAuth } from "../shared/configmgr/adminServiceAuth.js";
import { adminServiceSources } from "../shared/configmgr/adminServiceSources.js";
import { createSnapshotCatalog } from "../shared/snapshots/snapshotCatalog.js";
import { createPushedSourceProvider } from "../shared/snapshots/pushedSource.js";
import type { MembershipSourceProvider } from "../shared/core/ports/membershipSource.js";
import type { DirectoryProvider } from "../shared/core/ports/directory.js";
import { createGraphDirectoryProvider } from "../shared/graph/graphDirectoryProvider.js";
import { DOCUMENTED_LIMITS, scaledLimits } from "../shared/graph/budgetModel.js";
import { sharedBudgetBook } from "../shared/graph/sharedBudgetBook.js";
import type { Logger } from "../shared/logger.js";
import { DEFAULT_DELIVERY_POLICY } from "../shared/notify/deliverNotifications.js";
import { notificationLinks } from "../shared/notify/notificationLinks.js";
import { createNotifications, type Notifications } from "../shared/notify/notifications.js";
import type { NotifierSources } from "../shared/notify/notifierTick.js";
import { pushedSnapshotFreshness } from "../shared/notify/pushedSnapshotFreshness.js";
import { createWebhookPoster } from "../shared/notify/webhookPost.js";
import type { JobQueue } from "../shared/core/ports/jobQueue.js";
import { createAdminServiceCatalog } from "../shared/configmgr/adminServiceCatalog.js";
import { createTableStores, type TableStores, type TablesConnection } from "../shared/storage/tableStores.js";
import { systemClock, type Clock } from "../shared/core/ports/clock.js";
import { syncDepsFrom, syncPolicyFrom, type SyncDeps, type SyncRequest } from "../shared/sync/syncDeps.js";
import { syncMapping } from "../shared/sync/syncMapping.js";
import type { SyncRun } from "../shared/core/syncRun.js";
import { HEALTH_REUSE, probeAll, reusedWhileFresh } from "../shared/doctor/health.js";
import { diagnoseApp } from "../shared/doctor/appDiagnosis.js";
import type { Diagnosis } from "../shared/doctor/diagnosis.js";
import { mappedCollections } from "../shared/snapshots/mappedCollections.js";

/**
 * Everything one process needs, built once from validated settings. This is the composition both doors share:
 * the Functions app calls it with Azure wiring (azureServices.ts), the CLI's serve/sync/mappings with local
 * wiring (cli/runtime.ts); only they and this file put adapters together (test/repo/layering.test.ts).
 */
export interface AppServices {
  readonly settings: Settings;
  readonly stores: TableStores;
  readonly sync: SyncDeps;
  readonly queue: JobQueue;
  readonly api: ApiDeps;
  readonly log: Logger;
  readonly clock: Clock;
  /** State-change notifications; null when NOTIFY_WEBHOOK_URL names no receiver. */
  readonly notifications: Notifications | null;
  /** What the notifier timer watches: the queue's dead letters and, in pushed mode, the snapshots' freshness. */
  readonly notifierSources: NotifierSources;
  runSync(request: SyncRequest): Promise<SyncRun>;
  /** Every dependency checked the way a support engineer would (collection-sync doctor, /api/health?verbose=true). */
  diagnose(): Promise<Diagnosis>;
}

/** How this process reaches each service; the CLI fills it for embedded defaults, Azure from settings. */
export interface Wiring {
  readonly settings: Settings;
  readonly tables: TablesConnection;
  /** Credential for Graph per tenant (null tenant = home); null = no token (loopback simulator only). */
  readonly graphCredentialFor: (tenantId: string | null) => TokenCredential | null;
  readonly adminServiceUrl: string;
  /** ADMINSERVICE_AUTH, opened by openAdminServiceAuth. */
  readonly adminServiceAuth: AdminServiceAuth;
  /** Given the finished SyncDeps, the job queue to use (the in-process queue needs the engine). */
  readonly queue: (runSync: (request: SyncRequest) => Promise<SyncRun>) => JobQueue;
  readonly auth: AuthConfig;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly tablePrefix?: string;
}

export function composeServices(wiring: Wiring): AppServices {
  const { settings, log } = wiring;
  const clock = wiring.clock ?? systemClock;
  const stores = createTableStores(wiring.tables, {
    resolutionTtlMs: settings.RESOLUTION_CACHE_TTL_MINUTES * 60_000,
    // A device not in Entra yet is looked up again as often as ConfigMgr is asked about it (late Entra join).
    resolutionNotFoundTtlMs: settings.SOURCE_IDENTITY_RECHECK_MINUTES * 60_000,
    // Long gone members drop out; anything older than the refresh interval is looked up again anyway.
    sourceIdentityRetainMs: 2 * settings.SOURCE_IDENTITY_REFRESH_MINUTES * 60_000,
    operationTimeoutMs: settings.TABLES_TIMEOUT_SECONDS * 1000,
    runRetentionMs: settings.RUN_RETENTION_DAYS * 24 * 60 * 60_000,
    ...(wiring.tablePrefix === undefined ? {} : { tablePrefix: wiring.tablePrefix }),
  });
  const directories: DirectoryProvider = createGraphDirectoryProvider({
    baseUrl: settings.GRAPH_BASE_URL,
    credentialFor: wiring.graphCredentialFor,
    maxConcurrency: settings.GRAPH_MAX_CONCURRENCY,
    ...(settings.GRAPH_BUDGET_SCALE === 1 ? {} : { budgetLimits: scaledLimits(DOCUMENTED_LIMITS, settings.GRAPH_BUDGET_SCALE) }),
    clock,
    log,
    budgetBook: (tenantKey) => sharedBudgetBook(stores.budget, tenantKey, { clock, log }),
  });
  const pushed = settings.SOURCE_MODE === "pushed";
  // pushed: the on-premises collector uploads snapshots and the app never calls the AdminService.
  const sources: MembershipSourceProvider = pushed
    ? createPushedSourceProvider(stores.snapshots)
    : adminServiceSources(settings, wiring.adminServiceUrl, wiring.adminServiceAuth, { cache: stores.sourceIdentities, now: () => clock.now() });
  const notifications = notificationsFor(settings, stores, clock, log);
  const sync: SyncDeps = syncDepsFrom(stores, {
    sources,
    directories,
    clock,
    log,
    policy: syncPolicyFrom(settings),
    ...(notifications === null ? {} : { notifier: notifications.notifier }),
  });
  const runSync = (request: SyncRequest) => syncMapping(sync, request);
  const queue = wiring.queue(runSync);
  const health: () => Promise<HealthReport> = reusedWhileFresh(
    () =>
      probeAll({
        storage: () => stores.ping(),
        // A read of a group that cannot exist: answers 404 (reachable, token accepted) without touching data.
        graph: () => directories.open(null).getGroup(PROBE_GROUP_ID),
        // SMS00001 ("All Systems") exists in every ConfigMgr site. In pushed mode the snapshots are the source.
        ...(pushed ? {} : { adminService: () => sources.open().getCollection("SMS00001") }),
      }),
    { ...HEALTH_REUSE, now: () => clock.now() },
  );
  const diagnose = (): Promise<Diagnosis> =>
    diagnoseApp({
      storage: () => stores.ping(),
      queue,
      mappings: stores.mappings,
      graph: { baseUrl: settings.GRAPH_BASE_URL, credentialFor: wiring.graphCredentialFor, directories },
      adminService: pushed ? null : { baseUrl: wiring.adminServiceUrl, auth: wiring.adminServiceAuth },
      snapshots: pushed
        ? {
            mapped: () => mappedCollections({ mappings: sync.mappings, snapshots: api.snapshots }, clock.now(), sync.policy.snapshotMaxAgeMs),
            maxAgeMs: sync.policy.snapshotMaxAgeMs,
          }
        : null,
    });
  const api: ApiDeps = apiDepsFrom(sync, {
    queue,
    runSync,
    health,
    diagnose,
    auth: wiring.auth,
    snapshotStore: stores.snapshots,
    catalogStore: stores.catalog,
    stagingMaxBytes: settings.SNAPSHOT_STAGING_MAX_MB * 1024 * 1024,
    audit: stores.audit,
    collections: pushed
      ? createSnapshotCatalog(stores.snapshots, stores.catalog)
      : createAdminServiceCatalog({ baseUrl: wiring.adminServiceUrl, auth: wiring.adminServiceAuth }),
    ...(notifications === null ? {} : { notificationHealth: () => notifications.health() }),
  });
  const notifierSources: NotifierSources = {
    queue,
    ...(pushed
      ? { snapshots: () => pushedSnapshotFreshness({ mappings: sync.mappings, snapshots: api.snapshots }, clock.now(), sync.policy.snapshotMaxAgeMs) }
      : {}),
  };
  return { settings, stores, sync, queue, api, log, clock, notifications, notifierSources, runSync, diagnose };
}

/** A hanging receiver costs this much per delivery round and no more. */
const WEBHOOK_TIMEOUT_MS = 10_000;

function notificationsFor(settings: Settings, stores: TableStores, clock: Clock, log: Logger): Notifications | null {
  if (settings.NOTIFY_WEBHOOK_URL.length === 0) return null;
  return createNotifications({
    receivers: settings.NOTIFY_WEBHOOK_URL,
    outbox: stores.notifications,
    post: createWebhookPoster({ timeoutMs: WEBHOOK_TIMEOUT_MS, now: () => clock.now() }),
    links: notificationLinks(settings),
    clock,
    log,
    policy: DEFAULT_DELIVERY_POLICY,
  });
}

const PROBE_GROUP_ID = "00000000-0000-0000-0000-000000000000";

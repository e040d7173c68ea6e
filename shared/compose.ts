import type { TokenCredential } from "@azure/identity";
import { createTenantCredentials } from "./identity/credentials.js";
import { apiDepsFrom } from "./api/apiDeps.js";
import type { ApiDeps } from "./api/apiTypes.js";
import type { AuthConfig } from "./api/auth.js";
import type { HealthReport } from "./api/health.js";
import { loadSettings, requireCloudSettings, type Settings } from "./config/settings.js";
import type { AdminServiceAuth } from "./configmgr/adminServiceAuth.js";
import { createAdminServiceSourceProvider, type AdminServiceSourceOptions } from "./configmgr/adminServiceSource.js";
import { openAdminServiceAuth } from "./configmgr/openAdminServiceAuth.js";
import { openAdminServiceSignIn } from "./configmgr/signIn/adminServiceSignIn.js";
import { createSnapshotCatalog } from "./snapshots/snapshotCatalog.js";
import { createPushedSourceProvider } from "./snapshots/pushedSource.js";
import type { MembershipSourceProvider } from "./configmgr/membershipSource.js";
import type { SourceIdentityCache } from "./configmgr/sourceIdentityCache.js";
import type { DirectoryProvider } from "./graph/directory.js";
import { createGraphDirectoryProvider } from "./graph/graphDirectoryProvider.js";
import { sharedBudgetBook } from "./graph/sharedBudgetBook.js";
import { consoleLogger, type Logger } from "./logger.js";
import { DEFAULT_DELIVERY_POLICY } from "./notify/deliverNotifications.js";
import { notificationLinks } from "./notify/notificationLinks.js";
import { createNotifications, type Notifications } from "./notify/notifications.js";
import type { NotifierSources } from "./notify/notifierTick.js";
import { pushedSnapshotFreshness } from "./notify/pushedSnapshotFreshness.js";
import { createWebhookPoster } from "./notify/webhookPost.js";
import type { JobQueue } from "./queue/jobQueue.js";
import { azureMonitorMetricsReader, createMonitorDeadLetterCounter } from "./queue/monitorDeadLetterCounter.js";
import { createServiceBusJobQueue, type DeadLetterCounter } from "./queue/serviceBusJobQueue.js";
import { createAdminServiceCatalog } from "./configmgr/adminServiceCatalog.js";
import { createTableStores, type TableStores, type TablesConnection } from "./storage/tableStores.js";
import { systemClock, type Clock } from "./sync/clock.js";
import { syncDepsFrom, syncPolicyFrom, type SyncDeps, type SyncRequest } from "./sync/syncDeps.js";
import { syncMapping } from "./sync/syncMapping.js";
import type { SyncRun } from "./sync/syncRun.js";
import { probeAll } from "./api/health.js";
import { diagnoseApp } from "./doctor/appDiagnosis.js";
import type { Diagnosis } from "./doctor/diagnosis.js";
import { mappedCollections } from "./snapshots/mappedCollections.js";

/** Everything one process needs, built once from validated settings (the only place that wires adapters). */
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
  const health = (): Promise<HealthReport> =>
    probeAll({
      storage: () => stores.ping(),
      // A read of a group that cannot exist: answers 404 (reachable, token accepted) without touching data.
      graph: () => directories.open(null).getGroup(PROBE_GROUP_ID),
      // SMS00001 ("All Systems") exists in every ConfigMgr site. In pushed mode the snapshots are the source.
      ...(pushed ? {} : { adminService: () => sources.open().getCollection("SMS00001") }),
    });
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
    collections: pushed ? createSnapshotCatalog(stores.snapshots) : createAdminServiceCatalog(adminServiceOptions(wiring.adminServiceUrl, wiring.adminServiceAuth)),
    ...(notifications === null ? {} : { notificationHealth: () => notifications.health() }),
  });
  const notifierSources: NotifierSources = {
    queue,
    ...(pushed ? { snapshots: () => pushedSnapshotFreshness({ mappings: sync.mappings, snapshots: api.snapshots }, clock.now(), sync.policy.snapshotMaxAgeMs) } : {}),
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

/** The AdminService adapter from settings: the app's source in pull mode, and the collector's. */
export function adminServiceSources(
  settings: Settings,
  baseUrl: string,
  auth: AdminServiceAuth,
  identities?: { readonly cache: SourceIdentityCache; readonly now: () => number },
): MembershipSourceProvider {
  return createAdminServiceSourceProvider({
    ...adminServiceOptions(baseUrl, auth),
    // Remembered member identities: a collection change looks up only members not seen before (docs/adminservice-queries.md "Source identity cache").
    ...(identities === undefined
      ? {}
      : {
          identityCache: identities.cache,
          identityRefresh: {
            withEntraIdMs: settings.SOURCE_IDENTITY_REFRESH_MINUTES * 60_000,
            withoutEntraIdMs: settings.SOURCE_IDENTITY_RECHECK_MINUTES * 60_000,
          },
          now: identities.now,
        }),
  });
}

function adminServiceOptions(baseUrl: string, auth: AdminServiceAuth): AdminServiceSourceOptions {
  return { baseUrl, auth };
}

/**
 * The API function's authLevel, decided when the Functions host loads the app: anonymous behind Easy Auth
 * (the API checks app roles itself), "function" when API_AUTH=function-key so the host checks the key.
 */
export function apiFunctionAuthLevel(env: Record<string, string | undefined> = process.env): "anonymous" | "function" {
  return env.API_AUTH?.trim() === "function-key" ? "function" : "anonymous";
}

const PROBE_GROUP_ID = "00000000-0000-0000-0000-000000000000";

/**
 * With SERVICEBUS_RESOURCE_ID the dead-letter count comes from Azure Monitor (Monitoring Reader on the namespace);
 * without it the Service Bus queue reports null ("unknown") rather than ask for Service Bus Data Owner.
 */
function deadLetterCounterFor(settings: Settings, credential: TokenCredential): { deadLetterCounter?: DeadLetterCounter } {
  if (settings.SERVICEBUS_RESOURCE_ID === undefined) return {};
  const host = settings.SERVICEBUS_CONNECTION__fullyQualifiedNamespace ?? "";
  return {
    deadLetterCounter: createMonitorDeadLetterCounter({
      namespaceResourceId: settings.SERVICEBUS_RESOURCE_ID,
      metrics: azureMonitorMetricsReader(credential, host),
    }),
  };
}

let cloudServices: Promise<AppServices> | undefined;

/**
 * The Azure Functions composition root: settings from app settings, managed identity everywhere, Service Bus
 * for jobs, Easy Auth in front of the API. Built once per worker process.
 */
export function getAppServices(): Promise<AppServices> {
  cloudServices ??= Promise.resolve().then(async () => {
    const settings = loadSettings(process.env);
    requireCloudSettings(settings);
    // stdout: the Functions host records console output at Information (stderr would read as errors).
    const log = consoleLogger(process.stdout);
    const credentialFor = createTenantCredentials(settings);
    const credential = credentialFor(null);
    const tables: TablesConnection =
      settings.TABLES_CONNECTION !== undefined
        ? { connectionString: settings.TABLES_CONNECTION }
        : { endpoint: settings.TABLES_ENDPOINT ?? "", credential };
    return composeServices({
      settings,
      tables,
      graphCredentialFor: credentialFor,
      adminServiceUrl: settings.ADMINSERVICE_URL ?? "",
      adminServiceAuth: await openAdminServiceAuth(settings, settings.ADMINSERVICE_URL, {
        appCredential: credential,
        // entra-user: the token cache is the Key Vault secret ADMINSERVICE_TOKEN_CACHE_SECRET_URI, read with the managed identity.
        userCredential: () => openAdminServiceSignIn(settings, { dataDir: null, credential }).credential(),
        processEnv: process.env,
      }),
      queue: () =>
        createServiceBusJobQueue({
          fullyQualifiedNamespace: settings.SERVICEBUS_CONNECTION__fullyQualifiedNamespace ?? "",
          queueName: settings.SERVICEBUS_QUEUE,
          credential,
          ...deadLetterCounterFor(settings, credential),
        }),
      auth: { mode: settings.API_AUTH, platformAuthEnabled: settings.WEBSITE_AUTH_ENABLED },
      log,
    });
  });
  return cloudServices;
}

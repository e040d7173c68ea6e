import { hostname } from "node:os";
import { join } from "node:path";
import { adminServiceSources } from "../../shared/configmgr/adminServiceSources.js";
import { createAdminServiceCatalog } from "../../shared/configmgr/adminServiceCatalog.js";
import {
  apiKeyAuth,
  createAppClient,
  entraAuth,
  noAuth,
  type AppAuth,
  type AppClientOptions,
  type CollectorAppClient,
} from "../../shared/collector/appClient.js";
import { collectOnce, newPendingUploads, summaryLine, type CollectorDeps, type PassSummary } from "../../shared/collector/collectPass.js";
import { runCollector } from "../../shared/collector/collectorLoop.js";
import { createSnapshotBaseFiles } from "../../shared/collector/snapshotBaseFiles.js";
import { loadSettings, type Settings } from "../../shared/config/settings.js";
import { isLoopbackHttp } from "../../shared/config/loopback.js";
import { ConfigError } from "../../shared/errors.js";
import type { AdminServiceAuth } from "../../shared/configmgr/adminServiceAuth.js";
import { openAdminServiceAuth } from "../../shared/configmgr/openAdminServiceAuth.js";
import { withoutUnresolved } from "../../shared/configmgr/sourceIdentityCache.js";
import { openAdminServiceSignIn } from "../../shared/configmgr/signIn/adminServiceSignIn.js";
import { createTenantCredentials } from "../../shared/identity/credentials.js";
import { consoleLogger, type Logger } from "../../shared/logger.js";
import { createSourceIdentityFile } from "../../shared/storage/sourceIdentityFile.js";
import { systemClock, type Clock } from "../../shared/core/ports/clock.js";
import { optionalInteger, optionalString, parse } from "../args.js";
import type { CliIo } from "../io.js";
import { localDataDir } from "../dataDir.js";

export interface CollectorOptions {
  readonly env: Record<string, string | undefined>;
  /** --app; else COLLECTOR_APP_URL. */
  readonly appUrl?: string;
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Back-off of app requests (tests shorten it). */
  readonly appClient?: Pick<AppClientOptions, "minBackoffMs" | "maxBackoffMs" | "retries" | "fetchImpl">;
  /** The name the app shows as the sender; default the host name. */
  readonly name?: string;
  readonly membersPerPart?: number;
  /** The collector's data folder (the source identity cache, the entra-user token cache); default ./.collection-sync. */
  readonly dataDir?: string;
}

export interface Collector {
  readonly settings: Settings;
  readonly app: CollectorAppClient;
  /** How the collector signs in to the app and to the AdminService (collection-sync doctor checks both). */
  readonly appAuth: AppAuth;
  readonly adminServiceAuth: AdminServiceAuth;
  readonly deps: CollectorDeps;
  once(): Promise<PassSummary>;
  run(signal: AbortSignal, onPass?: (summary: PassSummary) => void): Promise<void>;
}

/** In the collector's data folder: what ConfigMgr said about each member read so far. */
export const SOURCE_IDENTITY_FILE = "source-identities.json";

/**
 * The on-premises collector (docs/collector.md): the same AdminService adapter and settings as the app, and an
 * HTTPS client for the app authenticated with an Entra token (COLLECTOR_APP_ID_URI) or `serve`'s API_KEY.
 */
export async function buildCollector(options: CollectorOptions): Promise<Collector> {
  const settings = loadSettings({ ...options.env, ...(options.appUrl === undefined ? {} : { COLLECTOR_APP_URL: options.appUrl }) });
  const problems: string[] = [];
  if (settings.COLLECTOR_APP_URL === undefined) problems.push("Name the app: --app <url> or COLLECTOR_APP_URL (e.g. https://<app>.azurewebsites.net)");
  if (settings.ADMINSERVICE_URL === undefined)
    problems.push("ADMINSERVICE_URL is required: the collector reads the AdminService (https://<SMS Provider>/AdminService)");
  if (problems.length > 0) throw new ConfigError(problems);
  const appUrl = settings.COLLECTOR_APP_URL ?? "";
  const adminServiceUrl = settings.ADMINSERVICE_URL ?? "";
  const credentialFor = createTenantCredentials(settings);
  const clock = options.clock ?? systemClock;
  const log = options.log ?? consoleLogger(process.stderr, { metrics: false });
  const auth = appAuth(settings, appUrl, credentialFor);
  const app = createAppClient({ baseUrl: appUrl, auth, ...(options.appClient ?? {}) });
  const adminServiceAuth = await openAdminServiceAuth(settings, adminServiceUrl, {
    appCredential: credentialFor(null),
    userCredential: () => openAdminServiceSignIn(settings, { dataDir: localDataDir(options), credential: credentialFor(null) }).credential(),
    processEnv: process.env,
  });
  // The app's source identity cache, kept in the data folder: a changed collection looks up only new members.
  const identities = createSourceIdentityFile({
    path: join(localDataDir(options), SOURCE_IDENTITY_FILE),
    retainMs: 2 * settings.SOURCE_IDENTITY_REFRESH_MINUTES * 60_000,
    log,
  });
  const deps: CollectorDeps = {
    app,
    sources: adminServiceSources(settings, adminServiceUrl, adminServiceAuth, { cache: identities, now: () => clock.now() }),
    recheckSources: adminServiceSources(settings, adminServiceUrl, adminServiceAuth, { cache: withoutUnresolved(identities), now: () => clock.now() }),
    clock,
    log,
    collectorName: options.name ?? hostname(),
    pending: newPendingUploads(),
    catalog: createAdminServiceCatalog({ baseUrl: adminServiceUrl, auth: adminServiceAuth }),
    // What each collection's last full upload held: later changes go up as deltas against it.
    bases: createSnapshotBaseFiles(localDataDir(options), log),
    ...(options.membersPerPart === undefined ? {} : { membersPerPart: options.membersPerPart }),
  };
  return {
    settings,
    app,
    appAuth: auth,
    adminServiceAuth,
    deps,
    once: () => collectOnce(deps),
    run: (signal, onPass) => runCollector(deps, settings.COLLECTOR_INTERVAL_SECONDS * 1000, signal, onPass),
  };
}

/** API_KEY for `serve`; an Entra token for the app in Azure; nothing only for a loopback `serve`. */
function appAuth(settings: Settings, appUrl: string, credentialFor: ReturnType<typeof createTenantCredentials>): AppAuth {
  if (settings.API_KEY !== undefined) return apiKeyAuth(settings.API_KEY);
  if (settings.COLLECTOR_APP_ID_URI !== undefined) return entraAuth(credentialFor(null), settings.COLLECTOR_APP_ID_URI);
  if (isLoopbackHttp(new URL(appUrl))) return noAuth;
  throw new ConfigError([
    "Set COLLECTOR_APP_ID_URI (the app's Application ID URI, e.g. api://<client id>; the collector's identity needs the app role Snapshots.Write) or API_KEY (collection-sync serve)",
  ]);
}

/** `collect [--app URL] [--once]`: 0 when every mapped collection was uploaded or unchanged (--once), 1 otherwise. */
export async function collectCommand(
  args: readonly string[],
  io: CliIo,
  env: Record<string, string | undefined>,
  options: Omit<CollectorOptions, "env" | "appUrl"> = {},
): Promise<number> {
  const { values } = parse(args, { app: { type: "string" }, once: { type: "boolean" }, interval: { type: "string" } });
  const appUrl = optionalString(values, "app");
  const interval = optionalInteger(values, "interval");
  const collector = await buildCollector({
    ...options,
    env: { ...env, ...(interval === undefined ? {} : { COLLECTOR_INTERVAL_SECONDS: String(interval) }) },
    ...(appUrl === undefined ? {} : { appUrl }),
  });
  if (values.once === true) {
    const summary = await collector.once();
    io.out(summaryLine(summary, collector.app.traffic()));
    return summary.ok ? 0 : 1;
  }
  io.out(
    `collection-sync collect: reading ${collector.settings.ADMINSERVICE_URL} for ${collector.settings.COLLECTOR_APP_URL} every ${collector.settings.COLLECTOR_INTERVAL_SECONDS} s. Press Ctrl+C to stop.`,
  );
  const stop = new AbortController();
  const abort = () => stop.abort();
  process.once("SIGINT", abort);
  process.once("SIGTERM", abort);
  try {
    await collector.run(stop.signal);
  } finally {
    process.off("SIGINT", abort);
    process.off("SIGTERM", abort);
  }
  return 0;
}

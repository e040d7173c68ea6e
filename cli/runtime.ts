import type { TokenCredential } from "@azure/identity";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { demoSeed, loadSeedFile, startSimulatedTenant, type SimulatedTenant } from "../simulator/index.js";
import { loadSettings, type Settings } from "../shared/config/settings.js";
import { isLoopbackHttp } from "../shared/config/loopback.js";
import { composeServices, type AppServices } from "../functions/composeServices.js";
import { openAdminServiceAuth } from "../shared/configmgr/openAdminServiceAuth.js";
import { openAdminServiceSignIn } from "../shared/configmgr/signIn/adminServiceSignIn.js";
import { createTenantCredentials } from "../shared/identity/credentials.js";
import { silentLogger, type Logger } from "../shared/logger.js";
import { createInProcessJobQueue } from "../shared/queue/inProcessJobQueue.js";
import type { TablesConnection } from "../shared/storage/tableStores.js";
import { startEmbeddedAzurite, type EmbeddedAzurite } from "../shared/storage/embeddedAzurite.js";
import { privateFolder } from "../shared/storage/privateFolder.js";
import { systemClock } from "../shared/core/ports/clock.js";
import { processSyncJob } from "../shared/scheduling/processSyncJob.js";
import { localDataDir } from "./dataDir.js";
import type { CliIo } from "./io.js";

export interface LocalRuntime {
  readonly services: AppServices;
  /** Present when no real endpoints are configured and the built-in simulated tenant answers instead. */
  readonly simulator: SimulatedTenant | null;
  /** Where embedded storage keeps its data (null: configured storage or in-memory). */
  readonly dataDir: string | null;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly env: Record<string, string | undefined>;
  readonly io: CliIo;
  readonly log?: Logger;
  /** Embedded storage in memory instead of under .collection-sync/ (the demo). */
  readonly inMemoryStorage?: boolean;
  /** Folder for embedded data; default ./.collection-sync. */
  readonly dataDir?: string;
  /** Worker concurrency of the in-process queue (serve). */
  readonly workers?: number;
  /** API authentication for serve. */
  readonly auth?: AppServices["api"]["auth"];
}

/**
 * Builds the product for one machine: the settings of docs/configuration.md where given, embedded defaults otherwise —
 * in-process Azurite for storage and the built-in simulated tenant for Graph and the AdminService.
 */
export async function openLocalRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const settings = loadSettings(options.env);
  const log = options.log ?? silentLogger;
  const closers: Array<() => Promise<void>> = [];
  // One credential per tenant for everything that needs a token (one token cache), as in Azure.
  const credentialFor = createTenantCredentials(settings);
  try {
    const { tables, dataDir } = await openTables(settings, options, closers, credentialFor(null));
    // With SOURCE_MODE=pushed the source is configured (collector snapshots): Graph is GRAPH_BASE_URL, no stand-in.
    const simulator = settings.ADMINSERVICE_URL === undefined && settings.SOURCE_MODE === "adminservice" ? await startBuiltInTenant(dataDir) : null;
    if (simulator) {
      closers.push(() => simulator.close());
      if (dataDir !== null) closers.push(() => saveBuiltInTenant(dataDir, simulator));
      options.io.err(`No ADMINSERVICE_URL configured: using the built-in simulated tenant (Graph and AdminService at ${simulator.graphBaseUrl}).`);
    }
    const effective: Settings = simulator ? { ...settings, GRAPH_BASE_URL: simulator.graphBaseUrl, ADMINSERVICE_URL: simulator.adminServiceUrl } : settings;
    // The loopback simulator takes no token; anything else authenticates (managed identity, az login, …).
    const graphIsLoopback = isLoopbackHttp(new URL(effective.GRAPH_BASE_URL));
    // Set once the services exist; the queue's handler, built first because the services need the queue, reads it.
    // eslint-disable-next-line prefer-const -- declared before the handler that closes over it, assigned after
    let services: AppServices | undefined;
    const queue = createInProcessJobQueue({
      clock: systemClock,
      log,
      concurrency: options.workers ?? 2,
      handler: async (job) => {
        const ready = services;
        if (!ready) throw new Error("services not ready");
        await processSyncJob({ runSync: (request) => ready.runSync(request), queue, clock: systemClock, log }, job);
      },
    });
    closers.push(() => queue.close());
    services = composeServices({
      settings: effective,
      tables,
      graphCredentialFor: (tenantId) => (graphIsLoopback ? null : credentialFor(tenantId)),
      adminServiceUrl: effective.ADMINSERVICE_URL ?? "",
      // The loopback simulator needs no auth, but a loopback front end (a test bed) may ask for it by name.
      adminServiceAuth: await openAdminServiceAuth(effective, effective.ADMINSERVICE_URL, {
        appCredential: credentialFor(null),
        // entra-user: the token cache `adminservice sign-in` wrote, in the data folder (or Key Vault when configured).
        userCredential: () => openAdminServiceSignIn(effective, { dataDir: localDataDir(options), credential: credentialFor(null) }).credential(),
        processEnv: process.env,
      }),
      queue: () => queue,
      // Commands run by someone at this machine: the audit trail names their OS account.
      auth: options.auth ?? { mode: "none", localActor: { name: `cli:${osUserName()}`, kind: "cli" } },
      log,
    });
    const built = services;
    return {
      services: built,
      simulator,
      dataDir,
      close: async () => {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}

const TENANT_FILE = "simulated-tenant.json";

/**
 * The built-in simulated tenant starts from the demo seed and, when the CLI keeps data on disk, from where the
 * last command left it, so `mappings add`, `sync` and `sync` again behave as they would against a real tenant.
 */
async function startBuiltInTenant(dataDir: string | null): Promise<SimulatedTenant> {
  const saved = dataDir === null ? null : join(dataDir, TENANT_FILE);
  const seed = saved !== null && existsSync(saved) ? await loadSeedFile(saved) : demoSeed();
  return startSimulatedTenant({ seed });
}

async function saveBuiltInTenant(dataDir: string, simulator: SimulatedTenant): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, TENANT_FILE), JSON.stringify(simulator.exportSeed()));
}

async function openTables(
  settings: Settings,
  options: RuntimeOptions,
  closers: Array<() => Promise<void>>,
  credential: TokenCredential,
): Promise<{ tables: TablesConnection; dataDir: string | null }> {
  if (settings.TABLES_CONNECTION !== undefined) return { tables: { connectionString: settings.TABLES_CONNECTION }, dataDir: null };
  if (settings.TABLES_ENDPOINT !== undefined) {
    return { tables: { endpoint: settings.TABLES_ENDPOINT, credential }, dataDir: null };
  }
  const dataDir = options.inMemoryStorage ? null : localDataDir(options);
  if (dataDir !== null) privateFolder(dataDir); // the simulated tenant's file and the sign-in cache live here too
  const azurite: EmbeddedAzurite = await startEmbeddedAzurite(dataDir === null ? {} : { location: join(dataDir, "azurite") });
  closers.push(() => azurite.close());
  return { tables: { connectionString: azurite.connectionString }, dataDir };
}

/** The OS account running the CLI, for the audit trail ("unknown" where the system has no name for it). */
export function osUserName(): string {
  try {
    return userInfo().username || "unknown";
  } catch {
    // A container user without a passwd entry: userInfo() throws (ENOENT); the account has no name to record.
    return "unknown";
  }
}

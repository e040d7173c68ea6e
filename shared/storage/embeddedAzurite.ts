import { ConfigError } from "../errors.js";
import { createRequire } from "node:module";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { privateFolder } from "./privateFolder.js";

/**
 * Azurite's well-known development account. Public by design (documented by Microsoft for the emulator),
 * so it is not a secret — and so it protects nothing: a store kept on disk gets its own key (below).
 */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/** The store's own account key, made on first start and kept beside its data (0600). */
const ACCOUNT_KEY_FILE = "account-key";
/** Azurite's documented way to set account keys (`account:key`); it reads the variable at start and every minute. */
const ACCOUNTS_ENV = "AZURITE_ACCOUNTS";

/** The key the process's embedded Azurites accept while a store on disk runs (AZURITE_ACCOUNTS is per process). */
let diskKey: string | null = null;

export interface EmbeddedAzurite {
  readonly connectionString: string;
  readonly endpoint: string;
  close(): Promise<void>;
}

interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}
type TableConfigurationCtor = new (
  host: string,
  port: number,
  keepAliveTimeout: number,
  metadataDBPath: string,
  enableDebugLog: boolean,
  enableAccessLog: boolean,
  accessLogWriteStream: undefined,
  debugLogFilePath: undefined,
  loose: boolean,
  skipApiVersionCheck: boolean,
  cert: string,
  key: string,
  pwd: string,
  oauth: undefined,
  disableProductStyleUrl: boolean,
  isMemoryPersistence: boolean,
) => unknown;
type TableServerCtor = new (config: unknown) => AzuriteServer;

/**
 * Starts Azurite's Table service inside this process (no child process, no binary download).
 * `location` persists data on disk (used by the CLI); without it the data lives in memory (tests).
 * Azurite ships no public programmatic API, so we load its server classes from the package's dist folder;
 * the version is pinned in package.json (3.35 is the last release that runs on Node 20, docs/service-facts.md).
 */
export async function startEmbeddedAzurite(options: { location?: string; port?: number } = {}): Promise<EmbeddedAzurite> {
  const { TableConfiguration, TableServer } = loadAzurite();
  const inMemory = options.location === undefined;
  let dbPath = "azurite-table-memory.json";
  let releaseKey = () => {};
  if (options.location !== undefined) {
    privateFolder(options.location);
    releaseKey = useAccountKey(accountKeyIn(options.location));
    dbPath = join(options.location, "__azurite_db_table__.json");
  }
  const key = diskKey ?? AZURITE_KEY;
  const config = new TableConfiguration(
    "127.0.0.1",
    options.port ?? 0,
    5,
    dbPath,
    false,
    false,
    undefined,
    undefined,
    false,
    true,
    "",
    "",
    "",
    undefined,
    false,
    inMemory,
  );
  const server = new TableServer(config);
  try {
    await server.start();
  } catch (error) {
    releaseKey();
    throw error;
  }
  const endpoint = `${server.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
  return {
    endpoint,
    connectionString: azuriteConnectionString(endpoint, key),
    close: async () => {
      await server.close();
      releaseKey();
    },
  };
}

/** The store's key: read from its folder, or made (64 random bytes) on first start. */
function accountKeyIn(location: string): string {
  const path = join(location, ACCOUNT_KEY_FILE);
  try {
    writeFileSync(path, randomBytes(64).toString("base64"), { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  chmodSync(path, 0o600);
  const key = readFileSync(path, "utf8").trim();
  if (!/^[A-Za-z0-9+/]{20,}={0,2}$/.test(key)) throw new ConfigError([`${path} does not hold an account key (base64): delete it to make a new one`]);
  return key;
}

/**
 * AZURITE_ACCOUNTS applies to every Azurite in the process, so one store on disk at a time sets it, and in-memory
 * stores started meanwhile use the same key. Closing the store puts the variable back.
 */
function useAccountKey(key: string): () => void {
  if (diskKey !== null && diskKey !== key) {
    throw new ConfigError(["Another embedded store with its own account key runs in this process: close it first"]);
  }
  const previous = process.env[ACCOUNTS_ENV];
  diskKey = key;
  process.env[ACCOUNTS_ENV] = `${AZURITE_ACCOUNT}:${key}`;
  return () => {
    diskKey = null;
    if (previous === undefined) delete process.env[ACCOUNTS_ENV];
    else process.env[ACCOUNTS_ENV] = previous;
  };
}

/**
 * Azurite is a development dependency (the Functions package never loads it): `npm install` brings it for the CLI
 * and the tests; an install without dev dependencies gets a clear message instead of a module-not-found trace.
 */
function loadAzurite(): { TableConfiguration: TableConfigurationCtor; TableServer: TableServerCtor } {
  const require = createRequire(import.meta.url);
  try {
    return {
      TableConfiguration: (require("azurite/dist/src/table/TableConfiguration.js") as { default: TableConfigurationCtor }).default,
      TableServer: (require("azurite/dist/src/table/TableServer.js") as { default: TableServerCtor }).default,
    };
  } catch (error) {
    throw new ConfigError([
      `Embedded storage needs the development dependency azurite (${error instanceof Error ? error.message.split("\n")[0] : String(error)}): run npm install with dev dependencies, or set TABLES_CONNECTION / TABLES_ENDPOINT`,
    ]);
  }
}

export function azuriteConnectionString(tableEndpoint: string, key: string = AZURITE_KEY): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${key};TableEndpoint=${tableEndpoint};`;
}

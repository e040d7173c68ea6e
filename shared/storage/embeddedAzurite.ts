import { ConfigError } from "../errors.js";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * Azurite's well-known development account. Public by design (documented by Microsoft for the emulator),
 * so it is not a secret.
 */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

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
  if (options.location !== undefined) {
    mkdirSync(options.location, { recursive: true });
    dbPath = join(options.location, "__azurite_db_table__.json");
  }
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
  await server.start();
  const endpoint = `${server.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
  return {
    endpoint,
    connectionString: azuriteConnectionString(endpoint),
    close: () => server.close(),
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

export function azuriteConnectionString(tableEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=${tableEndpoint};`;
}

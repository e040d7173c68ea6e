import { TableClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { isLoopbackHttp } from "../config/loopback.js";
import { ValidationError } from "../errors.js";
import { tableStatus } from "./tableErrors.js";
import { DEFAULT_TABLE_TIMEOUT_MS, tableTimeoutPolicy } from "./tableTimeout.js";

/** A connection string (Azurite, shared key) or an endpoint reached with a token (managed identity). */
export type TablesConnection = { readonly connectionString: string } | { readonly endpoint: string; readonly credential: TokenCredential };

export interface TableAccessOptions {
  /** Prepended to every table name (letters and digits); tests use a fresh one each. */
  readonly tablePrefix?: string;
  /**
   * Plain http is refused by the Azure SDK unless this is set. Defaults to true for a loopback http endpoint
   * (Azurite) and false otherwise.
   */
  readonly allowInsecureConnection?: boolean;
  /** Longest wait for one Table operation (retries included) before it fails; default 20 s. */
  readonly operationTimeoutMs?: number;
}

/** A table that is created the first time it is used. */
export interface LazyTable {
  readonly name: string;
  /** The client, once the table is known to exist (created at most once per process, idempotently). */
  ready(): Promise<TableClient>;
}

const TABLE_PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,39}$/;

export function openTable(connection: TablesConnection, baseName: string, options: TableAccessOptions = {}): LazyTable {
  const prefix = options.tablePrefix ?? "";
  if (prefix !== "" && !TABLE_PREFIX_PATTERN.test(prefix)) {
    throw new ValidationError(`tablePrefix must start with a letter and hold only letters and digits (at most 40), got "${prefix}"`);
  }
  const name = `${prefix}${baseName}`;
  const allowInsecureConnection = options.allowInsecureConnection ?? isLoopbackEndpoint(connection);
  const clientOptions = {
    allowInsecureConnection,
    additionalPolicies: [tableTimeoutPolicy(name, options.operationTimeoutMs ?? DEFAULT_TABLE_TIMEOUT_MS)],
  };
  const client =
    "connectionString" in connection
      ? TableClient.fromConnectionString(connection.connectionString, name, clientOptions)
      : new TableClient(connection.endpoint, name, connection.credential, clientOptions);
  let creating: Promise<TableClient> | undefined;
  return {
    name,
    ready() {
      creating ??= createIfMissing(client).catch((error: unknown) => {
        creating = undefined; // a failed attempt (storage down) is retried by the next caller
        throw error;
      });
      return creating;
    },
  };
}

/**
 * The SDK's createTable already treats 409 TableAlreadyExists as success; any other 409 (a concurrent creator
 * in another process, Azurite's variant of the code) means the table is there as well, so it is not an error.
 */
async function createIfMissing(client: TableClient): Promise<TableClient> {
  try {
    await client.createTable();
  } catch (error) {
    if (tableStatus(error) !== 409) throw error;
  }
  return client;
}

function isLoopbackEndpoint(connection: TablesConnection): boolean {
  const endpoint = "endpoint" in connection ? connection.endpoint : /(?:^|;)\s*TableEndpoint=([^;]+)/i.exec(connection.connectionString)?.[1];
  if (endpoint === undefined) return false;
  try {
    return isLoopbackHttp(new URL(endpoint.trim()));
  } catch {
    return false;
  }
}

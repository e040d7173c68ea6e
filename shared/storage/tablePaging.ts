import type { TableClient, TableEntityResult } from "@azure/data-tables";
import { ValidationError } from "../errors.js";

export const DEFAULT_PAGE_SIZE = 50;
/** Table queries return at most 1,000 entities per page (docs/service-facts.md "Table Storage"). */
export const MAX_PAGE_SIZE = 1000;

export function pageSizeOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new ValidationError(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${String(value)}`);
  }
  return value;
}

/**
 * Our continuation tokens wrap the SDK's (base64 JSON of nextPartitionKey/nextRowKey) in base64url JSON tagged
 * with the list they belong to. Tokens come back from API callers, so anything we did not produce is a
 * ValidationError here, before the SDK's own decoder could throw an untyped error (a 500).
 */
interface WrappedToken {
  readonly list: string;
  readonly sdk: string;
}

export function wrapContinuationToken(list: string, sdkToken: string | undefined): string | undefined {
  if (sdkToken === undefined || sdkToken === "") return undefined;
  const wrapped: WrappedToken = { list, sdk: sdkToken };
  return Buffer.from(JSON.stringify(wrapped), "utf8").toString("base64url");
}

export function unwrapContinuationToken(list: string, token: string | undefined): string | undefined {
  if (token === undefined || token === "") return undefined;
  const invalid = () => new ValidationError("continuationToken is not valid: pass back the token from the previous page unchanged");
  if (token.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const outer = parseJson(Buffer.from(token, "base64url").toString("utf8"));
  if (!isRecord(outer) || outer["list"] !== list || typeof outer["sdk"] !== "string") throw invalid();
  const sdk = outer["sdk"];
  if (!/^[A-Za-z0-9+/]+=*$/.test(sdk)) throw invalid();
  const inner = parseJson(Buffer.from(sdk, "base64").toString("utf8"));
  if (!isRecord(inner) || typeof inner["nextPartitionKey"] !== "string") throw invalid();
  if (inner["nextRowKey"] !== undefined && typeof inner["nextRowKey"] !== "string") throw invalid();
  return sdk;
}

export interface EntityPage<T extends object> {
  readonly entities: TableEntityResult<T>[];
  readonly continuationToken: string | undefined;
}

/**
 * One page of a query. The service may answer an empty page that still carries a continuation token (it stops
 * at partition boundaries and time limits); such pages are skipped so callers never see an empty page that is
 * not the last.
 */
export async function readEntityPage<T extends object>(
  client: TableClient,
  query: { readonly filter?: string; readonly select?: string[] },
  pageSize: number,
  sdkToken: string | undefined,
): Promise<EntityPage<T>> {
  let token = sdkToken;
  for (;;) {
    const pages = client.listEntities<T>({ queryOptions: query }).byPage({ maxPageSize: pageSize, continuationToken: token });
    const next = await pages.next();
    const page = next.done === true ? undefined : next.value;
    const entities = page === undefined ? [] : [...page];
    token = page?.continuationToken;
    if (entities.length > 0 || token === undefined) return { entities, continuationToken: token };
  }
}

/**
 * Rows per page when rows are packed (up to 600,000 bytes each, base64 on the wire): a page of 1,000 of them would
 * be one response of hundreds of megabytes, parsed at once. Eight keep a page under 7 MB.
 */
export const PACKED_PAGE_SIZE = 8;

/** Every entity a query matches, page by page (1,000 per request unless `pageSize` says fewer). */
export async function* readAllEntities<T extends object>(
  client: TableClient,
  query: { readonly filter?: string; readonly select?: string[] },
  pageSize: number = MAX_PAGE_SIZE,
): AsyncGenerator<TableEntityResult<T>> {
  for await (const page of client.listEntities<T>({ queryOptions: query }).byPage({ maxPageSize: pageSize })) {
    yield* page;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

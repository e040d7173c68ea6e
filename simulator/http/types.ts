/** The simulator's own request/response shapes, shared by plain HTTP requests and `$batch` sub-requests. */

export type Service = "graph" | "adminService";

export interface SimRequest {
  readonly method: string;
  /** Service-relative path without the query, decoded per segment: `/groups/{id}/members/$ref`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Service-relative path plus query exactly as received (for logs and fault matching). */
  readonly pathAndQuery: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body; `invalidJson` when the body could not be parsed. */
  readonly body: unknown;
  readonly invalidJson: boolean;
  /** `http://127.0.0.1:PORT`, used for absolute nextLinks / deltaLinks. */
  readonly publicBase: string;
  readonly inBatch: boolean;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON body; absent for 204 and for text bodies. */
  body?: unknown;
  text?: string;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { "Content-Type": "application/json;odata.metadata=minimal;charset=utf-8", ...headers }, body };
}

export function noContent(): SimResponse {
  return { status: 204, headers: {} };
}

export function textResponse(status: number, text: string): SimResponse {
  return { status, headers: { "Content-Type": "text/plain;charset=utf-8" }, text };
}

/** Splits `/a/b%24c/d` into decoded segments; a malformed escape yields null. */
export function pathSegments(path: string): string[] | null {
  try {
    return path
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

/**
 * Builds a query string the way Graph writes its links: `$`-keys kept literal, values percent-encoded.
 */
export function buildQuery(params: Iterable<[string, string]>): string {
  const parts: string[] = [];
  for (const [k, v] of params) parts.push(`${k}=${encodeURIComponent(v)}`);
  return parts.join("&");
}

/** Thrown by route helpers to answer at once with an error response (caught by the dispatcher). */
export class RouteError extends Error {
  constructor(readonly response: SimResponse) {
    super(`HTTP ${response.status}`);
  }
}

/** Percent-decoded path and query for logs and fault patterns (`$filter=deviceId in ('a')`, not `%27a%27`). */
export function readablePathAndQuery(pathAndSearch: string): string {
  try {
    return decodeURIComponent(pathAndSearch.replace(/\+/g, " "));
  } catch {
    return pathAndSearch;
  }
}

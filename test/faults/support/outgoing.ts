import diagnostics from "node:diagnostics_channel";
import { parseFilter } from "../../../simulator/index.js";
import type { FilterNode } from "../../../simulator/odataFilter.js";

/**
 * Every HTTP request this worker thread sends, as it leaves: fetch (Graph SDK, AdminService) through undici's
 * diagnostics channel, `$batch` sub-requests from the batch payload, the Azure Tables SDK through node:http's
 * channel. URLs are recorded exactly as sent (still percent-encoded), so a test sees what the services would see.
 */
export interface Outgoing {
  /** Requests since the last `take()`. */
  take(): URL[];
  stop(): void;
}

interface UndiciRequest {
  readonly origin: string;
  readonly path: string;
}
interface NodeRequest {
  readonly protocol?: string;
  readonly host: string;
  readonly path: string;
  getHeader(name: string): unknown;
}

export function recordOutgoing(): Outgoing {
  let seen: URL[] = [];
  const onFetch = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    seen.push(new URL(request.path, request.origin));
  };
  const onHttp = (message: unknown) => {
    const { request } = message as { request: NodeRequest };
    const host = request.getHeader("host");
    seen.push(new URL(request.path, `${request.protocol ?? "http:"}//${typeof host === "string" ? host : request.host}`));
  };
  diagnostics.subscribe("undici:request:create", onFetch);
  diagnostics.subscribe("http.client.request.start", onHttp);
  // `$batch` sub-requests travel in the body, which the channels do not show: read them off the JSON payload.
  const originalFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init?.body;
    if (/\/(\$|%24)batch$/.test(url.pathname) && typeof body === "string") {
      const versionRoot = url.href.slice(0, url.href.lastIndexOf("/"));
      for (const step of (JSON.parse(body) as { requests: Array<{ url: string }> }).requests) seen.push(new URL(`${versionRoot}${step.url}`));
    }
    return originalFetch(input, init);
  };
  return {
    take() {
      const taken = seen;
      seen = [];
      return taken;
    },
    stop() {
      globalThis.fetch = originalFetch;
      diagnostics.unsubscribe("undici:request:create", onFetch);
      diagnostics.unsubscribe("http.client.request.start", onHttp);
    },
  };
}

/** A `$filter` as an independent OData parser (the simulator's) reads it; a broken-out literal changes the tree. */
export function filterOf(url: URL): FilterNode | null {
  const text = url.searchParams.get("$filter");
  return text === null ? null : parseFilter(text);
}

/** The clauses of an `and` chain (a lone clause is a chain of one). */
export function andClauses(node: FilterNode): FilterNode[] {
  return node.kind === "and" ? [...andClauses(node.left), ...andClauses(node.right)] : [node];
}

/** The clauses of an `or` chain. */
export function orClauses(node: FilterNode): FilterNode[] {
  return node.kind === "or" ? [...orClauses(node.left), ...orClauses(node.right)] : [node];
}

/**
 * Reads a Graph `$search` clause `"property:text"` the way Graph does: `\` escapes the next character, an
 * unescaped `"` ends the clause. Returns the property and text, or null when anything follows the closing quote.
 */
export function searchClauseOf(value: string): { property: string; text: string } | null {
  if (!value.startsWith('"')) return null;
  let content = "";
  let i = 1;
  for (; i < value.length; i += 1) {
    const c = value[i] as string;
    if (c === "\\") {
      content += value[i + 1] ?? "";
      i += 1;
    } else if (c === '"') {
      break;
    } else {
      content += c;
    }
  }
  if (i !== value.length - 1) return null;
  const colon = content.indexOf(":");
  return colon < 0 ? null : { property: content.slice(0, colon), text: content.slice(colon + 1) };
}

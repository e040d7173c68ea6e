/** Reading collections page by page: each page is handed on and dropped, never the whole answer kept. */
import type { GraphContext } from "./graphContext.js";
import { readFailure } from "./graphContext.js";
import { GraphRequestError } from "./graphErrors.js";
import type { GraphAnswer } from "./transport.js";

export interface Page {
  readonly value: readonly unknown[];
  readonly nextLink: string | null;
  readonly deltaLink: string | null;
}

export function readPage(body: unknown): Page {
  const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const value = Array.isArray(record["value"]) ? (record["value"] as unknown[]) : [];
  const link = (key: string) => (typeof record[key] === "string" ? record[key] : null);
  return { value, nextLink: link("@odata.nextLink"), deltaLink: link("@odata.deltaLink") };
}

export interface PagingOptions {
  readonly operation: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Turns a first-page answer other than 200 into a result (return null to use the default error). */
  readonly onFirstPageError?: (answer: GraphAnswer) => Error | null;
}

/**
 * Calls `onPage` for every page, following `@odata.nextLink` (made relative to the configured Graph root: the SDK
 * mangles absolute `http://` links, docs/service-facts.md). Returns the final page's deltaLink, if any.
 * A link that comes back a second time would loop for ever (nothing documents that Graph never does it, and a
 * proxy or a bug can), so it ends the read with an error: like a truncated read, never a silent partial result.
 */
export async function forEachPage(context: GraphContext, firstPath: string, onPage: (page: Page) => void, options: PagingOptions): Promise<string | null> {
  let path: string | null = firstPath;
  const visited = new Set<string>();
  let first = true;
  let deltaLink: string | null = null;
  while (path !== null) {
    if (visited.has(path)) {
      throw new GraphRequestError(
        0,
        "RepeatedNextLink",
        `Graph sent a nextLink it had already sent (${path.split("?")[0]}); stopped instead of reading in a loop`,
        options.operation,
      );
    }
    visited.add(path);
    const answer = await context.connection.send(
      { method: "GET", path, reads: 1, writes: 0, operation: options.operation, ...(options.headers ? { headers: options.headers } : {}) },
      context.stats,
    );
    if (answer.status !== 200) {
      throw (first ? options.onFirstPageError?.(answer) : null) ?? readFailure(answer, options.operation);
    }
    first = false;
    const page = readPage(answer.body);
    onPage(page);
    deltaLink = page.deltaLink ?? deltaLink;
    path = page.nextLink === null ? null : context.connection.relativePath(page.nextLink);
  }
  return deltaLink;
}

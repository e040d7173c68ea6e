import pMap from "p-map";
import { SourceReadError } from "../errors.js";
import type { AdminServiceHttp } from "./adminServiceHttp.js";
import { parsePage } from "./adminServiceRows.js";
import { type AdminServiceUrls, withQuery } from "./adminServiceUrls.js";

export interface ListedRows<T = unknown> {
  readonly rows: T[];
  /** `@odata.count` of the first page, when the service sent one unasked. */
  readonly announced: number | undefined;
}

/**
 * Windows read at once when the row count is known beforehand: the SMS Provider is an on-premises server, so
 * as few as the look-ups keep in flight (resourceLookup.ts); a 100,000-member collection then costs a quarter of
 * the 100 round trips one after another.
 */
export const WINDOWS_IN_FLIGHT = 4;

interface Window<T> {
  readonly rows: T[];
  /** The window's first raw row, to tell a server that ignores `$skip`. */
  readonly head: string | undefined;
  /** Raw rows the window held (what paging counts), whatever `convert` kept. */
  readonly rawRows: number;
  readonly announced: number | undefined;
}

/**
 * Reads every row of an OData list (docs/service-facts.md: no server page size is documented). Each window asks
 * for `$top=pageSize&$skip=n`; a server that pages on its own answers with `@odata.nextLink`, which is followed
 * (re-rooted on the configured base) until the window is done. A window shorter than `pageSize` is the last, and
 * so is one that brings the rows to `expected` (the MemberCount just read), saving a request for an empty window.
 * With `expected` known, the windows it implies are read WINDOWS_IN_FLIGHT at a time; should the last of them
 * still be full (members joined since the count was read), the rest are read one after another as without it.
 * `convert` turns each window's raw rows into what the caller keeps, as the window arrives: a 1,000,000-member
 * collection never holds its raw JSON rows all at once.
 */
export async function readAllRows<T = unknown>(
  http: AdminServiceHttp,
  urls: AdminServiceUrls,
  listUrl: string,
  pageSize: number,
  onAttempt: () => void,
  expected?: number,
  convert: (rows: unknown[]) => T[] = (rows) => rows as T[],
): Promise<ListedRows<T>> {
  const readWindow = async (skip: number): Promise<Window<T>> => {
    const raw: unknown[] = [];
    let announced: number | undefined;
    let url: string | undefined = withQuery(listUrl, { $top: pageSize, $skip: skip });
    while (url !== undefined) {
      const page = parsePage(await http.getJson(url, onAttempt), "a member list");
      announced ??= page["@odata.count"];
      for (const row of page.value) raw.push(row);
      const next: string | undefined = page["@odata.nextLink"] === undefined ? undefined : urls.nextLink(page["@odata.nextLink"], url);
      if (next === url) throw new SourceReadError("bad-response", "AdminService returned a nextLink to the same page");
      url = next;
    }
    return { rows: convert(raw), head: raw.length === 0 ? undefined : JSON.stringify(raw[0]), rawRows: raw.length, announced };
  };

  const known = expected ?? 0;
  const first =
    known > pageSize
      ? await pMap(
          Array.from({ length: Math.ceil(known / pageSize) }, (_, i) => i * pageSize),
          readWindow,
          { concurrency: WINDOWS_IN_FLIGHT },
        )
      : [];
  const rows: T[] = [];
  let rawCount = 0;
  let announced: number | undefined;
  let previousFirst: string | undefined;
  // Every window is checked in order, whether it was read at once or one after another.
  const take = (window: Window<T>): boolean => {
    announced ??= window.announced;
    if (window.head !== undefined) {
      // A server that ignored $skip would hand back the same window for ever.
      if (window.head === previousFirst) throw new SourceReadError("bad-response", "AdminService ignored $skip: the same page came back twice");
      previousFirst = window.head;
    }
    for (const row of window.rows) rows.push(row);
    rawCount += window.rawRows;
    const enough = Math.max(announced ?? 0, known);
    return window.rawRows < pageSize || (enough > 0 && rawCount >= enough);
  };
  for (const window of first) if (take(window)) return { rows, announced };
  while (!take(await readWindow(rawCount)));
  return { rows, announced };
}

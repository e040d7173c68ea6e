import { SourceReadError } from "../errors.js";
import type { AdminServiceHttp } from "./adminServiceHttp.js";
import { parsePage } from "./adminServiceRows.js";
import { type AdminServiceUrls, withQuery } from "./adminServiceUrls.js";

export interface ListedRows {
  readonly rows: unknown[];
  /** `@odata.count` of the first page, when the service sent one unasked. */
  readonly announced: number | undefined;
}

/**
 * Reads every row of an OData list (docs/service-facts.md: no server page size is documented). Each window asks
 * for `$top=pageSize&$skip=n`; a server that pages on its own answers with `@odata.nextLink`, which is followed
 * (re-rooted on the configured base) until the window is done. A window shorter than `pageSize` is the last, and
 * so is one that brings the rows to `expected` (the MemberCount just read), saving a request for an empty window.
 */
export async function readAllRows(
  http: AdminServiceHttp,
  urls: AdminServiceUrls,
  listUrl: string,
  pageSize: number,
  onAttempt: () => void,
  expected?: number,
): Promise<ListedRows> {
  const rows: unknown[] = [];
  let announced: number | undefined;
  let previousFirst: string | undefined;
  for (let skip = 0; ; ) {
    let url: string | undefined = withQuery(listUrl, { $top: pageSize, $skip: skip });
    let windowRows = 0;
    while (url !== undefined) {
      const page = parsePage(await http.getJson(url, onAttempt), "a member list");
      announced ??= page["@odata.count"];
      rows.push(...page.value);
      windowRows += page.value.length;
      const next: string | undefined = page["@odata.nextLink"] === undefined ? undefined : urls.nextLink(page["@odata.nextLink"], url);
      if (next === url) throw new SourceReadError("bad-response", "AdminService returned a nextLink to the same page");
      url = next;
    }
    const enough = Math.max(announced ?? 0, expected ?? 0);
    if (windowRows < pageSize || (enough > 0 && rows.length >= enough)) break;
    // A server that ignored $skip would hand back the same window for ever.
    const first = JSON.stringify(rows[rows.length - windowRows]);
    if (first === previousFirst) throw new SourceReadError("bad-response", "AdminService ignored $skip: the same page came back twice");
    previousFirst = first;
    skip += windowRows;
  }
  return { rows, announced };
}

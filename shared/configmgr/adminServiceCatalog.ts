import { z } from "zod";
import { SourceReadError } from "../errors.js";
import { COLLECTION_ID_PATTERN } from "../core/ids.js";
import { odataString } from "../odata.js";
import { AdminServiceStatusError, NOT_FOUND } from "./adminServiceHttp.js";
import { readAllRows } from "./adminServicePaging.js";
import { parsePage } from "./adminServiceRows.js";
import { adminServiceHttpFrom, type AdminServiceSourceOptions } from "./adminServiceSource.js";
import { AdminServiceUrls, withQuery } from "./adminServiceUrls.js";
import { rankFound, type CollectionCatalog, type CollectionSummary } from "./collectionCatalog.js";

/** CollectionType (docs/service-facts.md "ConfigMgr AdminService"): 1 user, 2 device; 0 "other" cannot be synced. */
const TYPES: Record<number, CollectionSummary["type"]> = { 1: "user", 2: "device" };
const SYNCABLE = "(CollectionType eq 2 or CollectionType eq 1)";
const COLUMNS = "CollectionID,Name,CollectionType,MemberCount,LastMemberChangeTime";
const PAGE = 1000;

/** Property names are matched case-insensitively: sites and versions differ in casing (docs/service-facts.md). */
const rowSchema = z
  .record(z.string(), z.unknown())
  .transform((row) => Object.fromEntries(Object.entries(row).map(([name, value]) => [name.toLowerCase(), value])))
  .pipe(
    z.object({
      collectionid: z.string(),
      name: z.string(),
      collectiontype: z.number(),
      membercount: z.number().int().nonnegative().nullish(),
      lastmemberchangetime: z.string().nullish(),
    }),
  );

/** A device or user collection as SMS_Collection lists it (the collector's catalog entry). */
export interface ListedCollection extends CollectionSummary {
  readonly lastMemberChangeTime: string | null;
}

export interface AdminServiceCatalog extends CollectionCatalog {
  /** Every device and user collection the account can read, paged (the collector's catalog upload). */
  listAll(): Promise<ListedCollection[]>;
}

/**
 * The picker's search over the AdminService: `contains(Name,'…')` (the text escaped as an OData literal) for
 * device and user collections, plus a keyed read when the text is a collection id. `contains` is standard OData
 * v4 but nothing documents it for the WMI route: a site that refuses it (400) is searched by listing its
 * collections and filtering here, and remembered as such.
 */
export function createAdminServiceCatalog(options: AdminServiceSourceOptions): AdminServiceCatalog {
  const urls = new AdminServiceUrls(options.baseUrl);
  const http = adminServiceHttpFrom(options);
  const ignore = () => {};
  let containsRefused = false;

  async function listAll(): Promise<ListedCollection[]> {
    const url = withQuery(`${urls.root}/wmi/SMS_Collection`, { $filter: SYNCABLE, $select: COLUMNS });
    const { rows } = await readAllRows(http, urls, url, PAGE, ignore);
    return summaries(rows);
  }

  async function byName(text: string, limit: number): Promise<ListedCollection[]> {
    if (!containsRefused) {
      const url = withQuery(`${urls.root}/wmi/SMS_Collection`, {
        $filter: `contains(Name,${odataString(text)}) and ${SYNCABLE}`,
        $select: COLUMNS,
        $top: limit,
      });
      try {
        return summaries(parsePage(await http.getJson(url, ignore), "SMS_Collection").value);
      } catch (error) {
        if (!(error instanceof AdminServiceStatusError) || error.status !== 400) throw error;
        containsRefused = true;
      }
    }
    const needle = text.toLowerCase();
    return (await listAll()).filter((c) => c.name.toLowerCase().includes(needle));
  }

  async function byId(text: string): Promise<ListedCollection[]> {
    if (!COLLECTION_ID_PATTERN.test(text)) return [];
    const body = await http.getJson(urls.collection(text.toUpperCase()), ignore, true);
    if (body === NOT_FOUND) return [];
    // A keyed read may answer a bare entity or a `value` list: both are accepted.
    return summaries(body !== null && typeof body === "object" && "value" in body ? parsePage(body, "SMS_Collection").value : [body]);
  }

  return {
    async search(text, limit) {
      const [exact, named] = await Promise.all([byId(text), byName(text, limit)]);
      const found = new Map<string, CollectionSummary>();
      for (const c of [...exact, ...named])
        if (!found.has(c.id.toUpperCase())) found.set(c.id.toUpperCase(), { id: c.id, name: c.name, type: c.type, memberCount: c.memberCount });
      return rankFound([...found.values()], text, limit);
    },
    listAll,
  };
}

/** Device and user collections of SMS_Collection rows; a server that ignored the filter must not offer others. */
function summaries(rows: readonly unknown[]): ListedCollection[] {
  const listed: ListedCollection[] = [];
  for (const raw of rows) {
    const parsed = rowSchema.safeParse(raw);
    if (!parsed.success) throw new SourceReadError("bad-response", "AdminService returned an SMS_Collection of an unexpected shape");
    const row = parsed.data;
    const type = TYPES[row.collectiontype];
    if (type === undefined) continue;
    listed.push({ id: row.collectionid, name: row.name, type, memberCount: row.membercount ?? 0, lastMemberChangeTime: row.lastmemberchangetime ?? null });
  }
  return listed;
}

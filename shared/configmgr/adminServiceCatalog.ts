import { z } from "zod";
import { SourceReadError } from "../errors.js";
import { COLLECTION_ID_PATTERN } from "../core/ids.js";
import { odataString } from "../odata.js";
import { NOT_FOUND } from "./adminServiceHttp.js";
import { parsePage } from "./adminServiceRows.js";
import { adminServiceHttpFrom, type AdminServiceSourceOptions } from "./adminServiceSource.js";
import { AdminServiceUrls, withQuery } from "./adminServiceUrls.js";
import type { CollectionCatalog, CollectionSummary } from "./collectionCatalog.js";

/** CollectionType (docs/service-facts.md "ConfigMgr AdminService"): 1 user, 2 device; 0 "other" cannot be synced. */
const TYPES: Record<number, CollectionSummary["type"]> = { 1: "user", 2: "device" };

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
    }),
  );

/**
 * The picker's search over the AdminService: `startswith(Name,'…')` (the text escaped as an OData literal) for
 * device and user collections, plus a keyed read when the text is a collection id. Two requests at most.
 */
export function createAdminServiceCatalog(options: AdminServiceSourceOptions): CollectionCatalog {
  const urls = new AdminServiceUrls(options.baseUrl);
  const http = adminServiceHttpFrom(options);
  const ignore = () => {};

  async function byName(text: string, limit: number): Promise<unknown[]> {
    const url = withQuery(`${urls.root}/wmi/SMS_Collection`, {
      $filter: `startswith(Name,${odataString(text)}) and (CollectionType eq 2 or CollectionType eq 1)`,
      $select: "CollectionID,Name,CollectionType,MemberCount",
      $top: limit,
    });
    return parsePage(await http.getJson(url, ignore), "SMS_Collection").value;
  }

  async function byId(text: string): Promise<unknown[]> {
    if (!COLLECTION_ID_PATTERN.test(text)) return [];
    const body = await http.getJson(urls.collection(text.toUpperCase()), ignore, true);
    if (body === NOT_FOUND) return [];
    // A keyed read may answer a bare entity or a `value` list: both are accepted.
    return body !== null && typeof body === "object" && "value" in body ? parsePage(body, "SMS_Collection").value : [body];
  }

  return {
    async search(text, limit) {
      const [exact, named] = await Promise.all([byId(text), byName(text, limit)]);
      const found = new Map<string, CollectionSummary>();
      for (const raw of [...exact, ...named]) {
        const parsed = rowSchema.safeParse(raw);
        if (!parsed.success) throw new SourceReadError("bad-response", "AdminService returned an SMS_Collection of an unexpected shape");
        const row = parsed.data;
        const type = TYPES[row.collectiontype];
        // The server filtered already; a server that ignored the filter must not offer what cannot be synced.
        if (type === undefined || found.has(row.collectionid.toUpperCase())) continue;
        found.set(row.collectionid.toUpperCase(), { id: row.collectionid, name: row.name, type, memberCount: row.membercount ?? 0 });
      }
      const exactId = (c: CollectionSummary) => Number(c.id.toUpperCase() === text.toUpperCase());
      return [...found.values()].sort((a, b) => exactId(b) - exactId(a) || a.name.localeCompare(b.name)).slice(0, limit);
    },
  };
}

import { SourceReadError, ValidationError } from "../errors.js";
import { COLLECTION_ID_PATTERN } from "../core/ids.js";
import { odataString } from "../odata.js";

/**
 * URLs the adapter sends to the AdminService (docs/service-facts.md "ConfigMgr AdminService"). Every value that enters a URL
 * is checked first: collection ids against the ConfigMgr pattern, resource ids as integers; string literals
 * are additionally escaped OData-style (`'` → `''`) and the query is percent-encoded.
 */
export function checkedCollectionId(collectionId: string): string {
  if (!COLLECTION_ID_PATTERN.test(collectionId)) {
    throw new ValidationError(`"${collectionId}" is not a ConfigMgr collection id (a 3-character site code and 5 hex digits, e.g. PS100012)`);
  }
  return collectionId;
}

/** Joins query options; values are percent-encoded, `$` option names are kept literal as OData expects. */
export function withQuery(url: string, options: Record<string, string | number>): string {
  const query = Object.entries(options)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
    .join("&");
  return `${url}${url.includes("?") ? "&" : "?"}${query}`;
}

export class AdminServiceUrls {
  /** The configured root, e.g. https://cmg.example.net/CCM_Proxy_MutualAuth/72057594037927941/AdminService. */
  readonly root: string;

  constructor(baseUrl: string) {
    this.root = baseUrl.replace(/\/+$/, "");
  }

  collection(collectionId: string): string {
    return `${this.root}/wmi/SMS_Collection(${odataString(checkedCollectionId(collectionId))})`;
  }

  /** The watermarks of several collections (a chain of ≤ 15 `CollectionID eq` clauses: 74 OData nodes). */
  collections(collectionIds: readonly string[]): string {
    return withQuery(`${this.root}/wmi/SMS_Collection`, {
      $filter: collectionIds.map((id) => `CollectionID eq ${odataString(checkedCollectionId(id))}`).join(" or "),
      $select: "CollectionID,Name,CollectionType,MemberCount,LastMemberChangeTime",
    });
  }

  /** The evaluated membership. No `$count`: nothing documents it, and a site may refuse it (400). */
  membership(collectionId: string): string {
    return withQuery(`${this.root}/wmi/SMS_FullCollectionMembership`, {
      $filter: `CollectionID eq ${odataString(checkedCollectionId(collectionId))}`,
      $select: "ResourceID,ResourceType,Name",
    });
  }

  /** One discovery record by its key (an integer, checked by the caller). */
  resource(wmiClass: "SMS_R_System" | "SMS_R_User", resourceId: number): string {
    return `${this.root}/wmi/${wmiClass}(${resourceId})`;
  }

  /** Records of one discovery class matching `filter` (a chain built by resourceFilters.ts from integer ids). */
  resources(wmiClass: "SMS_R_System" | "SMS_R_User", select: readonly string[], filter: string): string {
    return withQuery(`${this.root}/wmi/${wmiClass}`, { $filter: filter, $select: select.join(",") });
  }

  /** The first record of a class with only `select`: enough to see which properties the site's class has. */
  firstRecord(wmiClass: "SMS_Collection" | "SMS_R_System" | "SMS_R_User", select: readonly string[]): string {
    return withQuery(`${this.root}/wmi/${wmiClass}`, { $select: select.join(","), $top: 1 });
  }

  /**
   * Re-roots a nextLink on the configured base. Behind a Cloud Management Gateway the SMS Provider writes links
   * with its own internal host name, which Azure cannot reach; and a token must never go to a host we were not
   * configured for. So only the part after the service root (`/wmi/…`, `/v1.0/…`) is kept.
   */
  nextLink(link: string, requestUrl: string): string {
    let absolute: URL;
    try {
      absolute = new URL(link, requestUrl);
    } catch (error) {
      throw new SourceReadError("bad-response", "AdminService returned an @odata.nextLink that is not a URL", { cause: error });
    }
    const at = absolute.pathname.search(/\/(wmi|v1\.0)\//i);
    if (at === -1) throw new SourceReadError("bad-response", `AdminService returned an @odata.nextLink outside /wmi/ and /v1.0/: ${absolute.pathname}`);
    return `${this.root}${absolute.pathname.slice(at)}${absolute.search}`;
  }
}

import pMap from "p-map";
import { chunk } from "../batches.js";
import type { TokenCredential } from "@azure/identity";
import { z } from "zod";
import { SourceReadError } from "../errors.js";
import { GUID_PATTERN } from "../mappings/ids.js";
import { AdminServiceHttp, AdminServiceStatusError, NOT_FOUND } from "./adminServiceHttp.js";
import { parsePage, readAllRows } from "./adminServicePaging.js";
import { AdminServiceUrls } from "./adminServiceUrls.js";
import type { CollectionInfo, MembershipSource, MembershipSourceProvider, SourceDevice, SourceUser } from "./membershipSource.js";

export interface AdminServiceSourceOptions {
  /** ADMINSERVICE_URL: `https://<provider>/AdminService`, `https://<CMG>/CCM_Proxy_MutualAuth/<id>/AdminService`, or the simulator. */
  readonly baseUrl: string;
  /** Used only with `scope` and an https URL. */
  readonly credential: TokenCredential | null;
  /** ADMINSERVICE_SCOPE: the ConfigMgr server app's Application ID URI + `/.default` (Cloud Management Gateway). */
  readonly scope?: string;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
  readonly fetchImpl?: typeof fetch;
  /** `$top` of each membership window; default 1,000. */
  readonly pageSize?: number;
  /** Retries of a 429/503/dropped connection; default 2. */
  readonly maxRetries?: number;
}

/** Resource ids per SMS_R_System / SMS_R_User request (an `or` chain in `$filter`), and such requests in flight. */
const IDS_PER_REQUEST = 50;
const LOOKUPS_IN_FLIGHT = 4;
/** `$top` of a lookup: it names at most 50 ids, so one window always covers it (a paging server sends nextLinks). */
const LOOKUP_WINDOW = 1000;
/** ResourceType in SMS_FullCollectionMembership: 5 system, 4 user (docs/service-facts.md). */
const SYSTEM = 5;
const USER = 4;

const collectionSchema = z.object({
  CollectionID: z.string(),
  Name: z.string(),
  CollectionType: z.number(),
  MemberCount: z.number().int().nonnegative().nullish(),
  LastMemberChangeTime: z.string().nullish(),
});
const memberSchema = z.object({ ResourceID: z.number().int(), ResourceType: z.number().nullish(), Name: z.string().nullish() });
const systemSchema = z.object({ ResourceId: z.number().int(), Name: z.string().nullish(), AADDeviceID: z.string().nullish() });
const userSchema = z.object({
  ResourceId: z.number().int(),
  Name: z.string().nullish(),
  UserPrincipalName: z.string().nullish(),
  AADUserID: z.string().nullish(),
});
type Member = z.infer<typeof memberSchema>;

function rowsOf<T extends z.ZodType>(schema: T, rows: readonly unknown[], what: string): z.infer<T>[] {
  const parsed = z.array(schema).safeParse(rows);
  if (!parsed.success) throw new SourceReadError("bad-response", `AdminService returned ${what} rows of an unexpected shape`);
  return parsed.data;
}

/** An Entra id as ConfigMgr stores it: a GUID, lower-cased; anything else (empty, all zeros, junk) is unknown. */
function entraId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const id = value.trim().replace(/^\{|\}$/g, "").toLowerCase();
  return GUID_PATTERN.test(id) && !/^[0-]+$/.test(id) ? id : null;
}

export function createAdminServiceSourceProvider(options: AdminServiceSourceOptions): MembershipSourceProvider {
  const urls = new AdminServiceUrls(options.baseUrl);
  const http = new AdminServiceHttp({
    credential: options.credential,
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    timeoutMs: options.timeoutMs ?? 30_000,
    fetchImpl: options.fetchImpl ?? fetch,
    maxRetries: options.maxRetries ?? 2,
  });
  const pageSize = options.pageSize ?? 1000;
  const site: SiteKnowledge = { userHasAadUserId: true };
  return { open: () => openView(http, urls, pageSize, site) };
}

/** What the provider learned about this site's schema, shared by every view. */
interface SiteKnowledge {
  /**
   * AADUserID (filled by Entra user discovery) is not in the documented SMS_R_User class; a site that lacks it
   * answers 400 to a `$select` naming it. Then users are read without it once and for all (resolved by UPN).
   */
  userHasAadUserId: boolean;
}

function openView(http: AdminServiceHttp, urls: AdminServiceUrls, pageSize: number, site: SiteKnowledge): MembershipSource {
  let requests = 0;
  const count = () => {
    requests += 1;
  };
  /** MemberCount of collections read through this view: a member read must return at least that many. */
  const memberCounts = new Map<string, number>();

  async function getCollection(collectionId: string): Promise<CollectionInfo | null> {
    const body = await http.getJson(urls.collection(collectionId), count, true);
    if (body === NOT_FOUND) return null;
    const [row] = parsePage(body, "SMS_Collection").value;
    if (row === undefined) return null;
    const parsed = collectionSchema.safeParse(row);
    if (!parsed.success) throw new SourceReadError("bad-response", "AdminService returned an SMS_Collection of an unexpected shape");
    const collection = parsed.data;
    const memberCount = collection.MemberCount ?? 0;
    memberCounts.set(collectionId.toUpperCase(), memberCount);
    return {
      id: collection.CollectionID,
      name: collection.Name,
      type: collection.CollectionType === 2 ? "device" : collection.CollectionType === 1 ? "user" : "other",
      memberCount,
      lastMemberChangeTime: collection.LastMemberChangeTime ?? null,
    };
  }

  /** The evaluated membership, checked against every count the service announced (all or nothing). */
  async function readMembers(collectionId: string, resourceType: number): Promise<Member[]> {
    const { rows, announced } = await readAllRows(http, urls, urls.membership(collectionId), pageSize, count);
    const members = rowsOf(memberSchema, rows, "SMS_FullCollectionMembership");
    const unique = new Map(members.map((m) => [m.ResourceID, m]));
    const expected = Math.max(announced ?? 0, memberCounts.get(collectionId.toUpperCase()) ?? 0);
    if (unique.size < expected) {
      throw new SourceReadError("truncated", `AdminService returned ${unique.size} members of ${collectionId} but announced ${expected}`);
    }
    // A user collection may also hold user groups (ResourceType 3): they are not users and cannot be synced as such.
    return [...unique.values()].filter((m) => m.ResourceType === null || m.ResourceType === undefined || m.ResourceType === resourceType);
  }

  /** Resource records for `ids`, 50 per request, a few requests at a time; any failed request fails the read. */
  async function lookup(wmiClass: "SMS_R_System" | "SMS_R_User", select: string[], ids: number[]): Promise<unknown[]> {
    const pages = await pMap(
      chunk(ids, IDS_PER_REQUEST),
      async (part) => {
        const { rows, announced } = await readAllRows(http, urls, urls.resources(wmiClass, select, part), LOOKUP_WINDOW, count);
        // Fewer records than announced: their members would look unresolvable and mirror mode would remove them.
        if (announced !== undefined && rows.length < announced) {
          throw new SourceReadError("truncated", `AdminService returned ${rows.length} ${wmiClass} records but announced ${announced}`);
        }
        return rows;
      },
      { concurrency: LOOKUPS_IN_FLIGHT },
    );
    return pages.flat();
  }

  async function lookupUsers(ids: number[]): Promise<unknown[]> {
    const select = ["ResourceId", "Name", "UserPrincipalName"];
    if (!site.userHasAadUserId) return lookup("SMS_R_User", select, ids);
    try {
      return await lookup("SMS_R_User", [...select, "AADUserID"], ids);
    } catch (error) {
      if (!(error instanceof AdminServiceStatusError) || error.status !== 400 || !error.message.includes("AADUserID")) throw error;
      site.userHasAadUserId = false;
      return lookup("SMS_R_User", select, ids);
    }
  }

  return {
    getCollection,

    async readDeviceMembers(collectionId) {
      const members = await readMembers(collectionId, SYSTEM);
      const rows = await lookup("SMS_R_System", ["ResourceId", "Name", "AADDeviceID"], members.map((m) => m.ResourceID));
      const systems = new Map(rowsOf(systemSchema, rows, "SMS_R_System").map((s) => [s.ResourceId, s]));
      // A member without a system record (an "Unknown Computer" in All Systems) has no Entra identity to sync.
      return members
        .map((m): SourceDevice => {
          const system = systems.get(m.ResourceID);
          return { resourceId: m.ResourceID, name: system?.Name ?? m.Name ?? "", entraDeviceId: entraId(system?.AADDeviceID) };
        })
        .sort((a, b) => a.resourceId - b.resourceId);
    },

    async readUserMembers(collectionId) {
      const members = await readMembers(collectionId, USER);
      const rows = await lookupUsers(members.map((m) => m.ResourceID));
      const users = new Map(rowsOf(userSchema, rows, "SMS_R_User").map((u) => [u.ResourceId, u]));
      return members
        .map((m): SourceUser => {
          const user = users.get(m.ResourceID);
          const upn = user?.UserPrincipalName?.trim();
          return {
            resourceId: m.ResourceID,
            name: user?.Name ?? m.Name ?? "",
            userPrincipalName: upn === undefined || upn === "" ? null : upn,
            entraObjectId: entraId(user?.AADUserID),
          };
        })
        .sort((a, b) => a.resourceId - b.resourceId);
    },

    requestCount: () => requests,
  };
}

import { z } from "zod";
import { SourceReadError } from "../errors.js";
import { GUID_PATTERN } from "../core/ids.js";
import { noAdminServiceAuth, type AdminServiceAuth } from "./adminServiceAuth.js";
import { AdminServiceHttp, AdminServiceStatusError, NOT_FOUND } from "./adminServiceHttp.js";
import { readAllRows } from "./adminServicePaging.js";
import { keyedEntity, parseRows, withSchemaKeys } from "./adminServiceRows.js";
import { AdminServiceUrls } from "./adminServiceUrls.js";
import { DEFAULT_IDENTITY_REFRESH, type IdentityRefreshPolicy } from "./identityRefresh.js";
import { memberIdentities, type IdentityCacheUse, type MemberRef } from "./memberIdentities.js";
import type { CollectionInfo, MembershipSource, MembershipSourceProvider, SourceDevice, SourceUser } from "../core/ports/membershipSource.js";
import { forEachSliced } from "../eventLoop.js";
import { confirmAbsent, defaultFilterBudget, lookupResources, type FilterBudget } from "./resourceLookup.js";
import type { SourceIdentity, SourceIdentityCache } from "./sourceIdentityCache.js";

export interface AdminServiceSourceOptions {
  /** ADMINSERVICE_URL: `https://<provider>/AdminService`, `https://<CMG>/CCM_Proxy_MutualAuth/<id>/AdminService`, or the simulator. */
  readonly baseUrl: string;
  /** ADMINSERVICE_AUTH, opened by openAdminServiceAuth; default none (the loopback simulator). */
  readonly auth?: AdminServiceAuth;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
  readonly fetchImpl?: typeof fetch;
  /** `$top` of each membership window; default 1,000. */
  readonly pageSize?: number;
  /** Retries of a 429/503/dropped connection; default 2. */
  readonly maxRetries?: number;
  /** Remembered member identities: a collection change then looks up only members not seen before. */
  readonly identityCache?: SourceIdentityCache | null;
  /** When a remembered identity is looked up again; default 24 h with an Entra id, 1 h without. */
  readonly identityRefresh?: IdentityRefreshPolicy;
  /** Clock for the identity cache; default Date.now. */
  readonly now?: () => number;
}

/** ResourceType in SMS_FullCollectionMembership: 5 system, 4 user (docs/service-facts.md). */
const SYSTEM = 5;
const USER = 4;
/** `CollectionID eq '…'` clauses per watermark request: 5 OData nodes each, under ASP.NET OData's limit of 100. */
const COLLECTIONS_PER_REQUEST = 15;

const collectionSchema = z.object({
  CollectionID: z.string(),
  Name: z.string(),
  CollectionType: z.number(),
  MemberCount: z.number().int().nonnegative().nullish(),
  LastMemberChangeTime: z.string().nullish(),
});
const memberSchema = z.object({ ResourceID: z.number().int(), ResourceType: z.number().nullish(), Name: z.string().nullish() });
const systemSchema = z.object({ ResourceID: z.number().int(), Name: z.string().nullish(), AADDeviceID: z.string().nullish() });
const userSchema = z.object({
  ResourceID: z.number().int(),
  Name: z.string().nullish(),
  UserPrincipalName: z.string().nullish(),
  AADUserID: z.string().nullish(),
});

/** Members in ResourceID order (the order reports list them in). */
function byResourceId(a: { readonly resourceId: number }, b: { readonly resourceId: number }): number {
  return a.resourceId - b.resourceId;
}

/** An Entra id as ConfigMgr stores it: a GUID, lower-cased; anything else (empty, all zeros, junk) is unknown. */
function entraId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const id = value
    .trim()
    .replace(/^\{|\}$/g, "")
    .toLowerCase();
  return GUID_PATTERN.test(id) && !/^[0-]+$/.test(id) ? id : null;
}

function nonEmpty(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? null : trimmed;
}

/** The HTTP client both the source and the collection picker use, with the options' defaults. */
export function adminServiceHttpFrom(options: AdminServiceSourceOptions): AdminServiceHttp {
  return new AdminServiceHttp({
    auth: options.auth ?? noAdminServiceAuth,
    timeoutMs: options.timeoutMs ?? 30_000,
    fetchImpl: options.fetchImpl ?? fetch,
    maxRetries: options.maxRetries ?? 2,
  });
}

export function createAdminServiceSourceProvider(options: AdminServiceSourceOptions): MembershipSourceProvider {
  const urls = new AdminServiceUrls(options.baseUrl);
  const http = adminServiceHttpFrom(options);
  const pageSize = options.pageSize ?? 1000;
  const site: SiteKnowledge = { userHasAadUserId: true, filters: defaultFilterBudget() };
  const cache: IdentityCacheUse | null =
    options.identityCache === undefined || options.identityCache === null
      ? null
      : { cache: options.identityCache, refresh: options.identityRefresh ?? DEFAULT_IDENTITY_REFRESH, now: options.now ?? Date.now };
  return { open: () => openView(http, urls, pageSize, site, cache) };
}

/** What the provider learned about this site, shared by every view. */
interface SiteKnowledge {
  /**
   * AADUserID (filled by Entra user discovery) is not in the documented SMS_R_User class; a site that lacks it
   * answers 400 to a `$select` naming it. Then users are read without it once and for all (resolved by UPN).
   */
  userHasAadUserId: boolean;
  /** How long a lookup filter may be (lowered by a node-count 400). */
  filters: FilterBudget;
}

function openView(http: AdminServiceHttp, urls: AdminServiceUrls, pageSize: number, site: SiteKnowledge, cache: IdentityCacheUse | null): MembershipSource {
  let requests = 0;
  const count = () => {
    requests += 1;
  };
  /** MemberCount of collections read through this view: a member read must return at least that many. */
  const memberCounts = new Map<string, number>();
  /** Distinct membership rows of each member read, before user groups are set aside. */
  const rowCounts = new Map<string, number>();

  async function getCollection(collectionId: string): Promise<CollectionInfo | null> {
    const body = await http.getJson(urls.collection(collectionId), count, true);
    if (body === NOT_FOUND) return null;
    const row = keyedEntity(body, "SMS_Collection");
    return row === null ? null : collectionInfo(row);
  }

  async function getCollections(collectionIds: readonly string[]): Promise<Map<string, CollectionInfo>> {
    const found = new Map<string, CollectionInfo>();
    const unique = [...new Set(collectionIds.map((id) => id.toUpperCase()))];
    for (let i = 0; i < unique.length; i += COLLECTIONS_PER_REQUEST) {
      const { rows } = await readAllRows(http, urls, urls.collections(unique.slice(i, i + COLLECTIONS_PER_REQUEST)), pageSize, count);
      for (const row of rows) {
        const info = collectionInfo(row);
        found.set(info.id.toUpperCase(), info);
      }
    }
    return found;
  }

  function collectionInfo(row: unknown): CollectionInfo {
    const parsed = collectionSchema.safeParse(withSchemaKeys(row, collectionSchema));
    if (!parsed.success) throw new SourceReadError("bad-response", "AdminService returned an SMS_Collection of an unexpected shape");
    const collection = parsed.data;
    const memberCount = collection.MemberCount ?? 0;
    memberCounts.set(collection.CollectionID.toUpperCase(), memberCount);
    return {
      id: collection.CollectionID,
      name: collection.Name,
      type: collection.CollectionType === 2 ? "device" : collection.CollectionType === 1 ? "user" : "other",
      memberCount,
      lastMemberChangeTime: collection.LastMemberChangeTime ?? null,
    };
  }

  /** The evaluated membership, checked against the count the service announced (all or nothing). */
  async function readMembers(collectionId: string, resourceType: number): Promise<MemberRef[]> {
    const memberCount = memberCounts.get(collectionId.toUpperCase());
    // Each window is parsed as it arrives (zod keeps only the schema's keys), never the raw rows of all windows.
    const { rows: members, announced } = await readAllRows(http, urls, urls.membership(collectionId), pageSize, count, memberCount, (rows) =>
      parseRows(memberSchema, rows, "SMS_FullCollectionMembership"),
    );
    const unique = new Map<number, (typeof members)[number]>();
    await forEachSliced(members, (member) => unique.set(member.ResourceID, member));
    rowCounts.set(collectionId.toUpperCase(), unique.size);
    const expected = Math.max(announced ?? 0, memberCount ?? 0);
    if (unique.size < expected) {
      throw new SourceReadError("truncated", `AdminService returned ${unique.size} members of ${collectionId} but announced ${expected}`);
    }
    // A user collection may also hold user groups (ResourceType 3): they are not users and cannot be synced as such.
    const refs: MemberRef[] = [];
    await forEachSliced(unique.values(), (m) => {
      if (m.ResourceType === null || m.ResourceType === undefined || m.ResourceType === resourceType)
        refs.push({ resourceId: m.ResourceID, name: m.Name ?? "" });
    });
    return refs;
  }

  async function lookupSystems(members: readonly MemberRef[], checkedAt: number): Promise<SourceIdentity[]> {
    const rows = await lookupResources(
      http,
      urls,
      "SMS_R_System",
      ["ResourceID", "Name", "AADDeviceID"],
      members.map((m) => m.resourceId),
      site.filters,
      count,
      (answer) => parseRows(systemSchema, answer, "SMS_R_System"),
    );
    const systems = new Map<number, (typeof rows)[number]>();
    await forEachSliced(rows, (system) => systems.set(system.ResourceID, system));
    // A member without a system record (an "Unknown Computer" in All Systems) has no Entra identity to sync.
    await confirmAbsent(
      http,
      urls,
      "SMS_R_System",
      members.filter((m) => !systems.has(m.resourceId)).map((m) => m.resourceId),
      count,
    );
    const identities: SourceIdentity[] = [];
    await forEachSliced(members, (m) => {
      const system = systems.get(m.resourceId);
      identities.push({ resourceId: m.resourceId, name: system?.Name ?? m.name, entraId: entraId(system?.AADDeviceID), userPrincipalName: null, checkedAt });
    });
    return identities;
  }

  async function lookupUserRows(ids: number[]): Promise<z.infer<typeof userSchema>[]> {
    const select = ["ResourceID", "Name", "UserPrincipalName"];
    const lookup = (columns: string[]) =>
      lookupResources(http, urls, "SMS_R_User", columns, ids, site.filters, count, (answer) => parseRows(userSchema, answer, "SMS_R_User"));
    if (!site.userHasAadUserId) return lookup(select);
    try {
      return await lookup([...select, "AADUserID"]);
    } catch (error) {
      if (!(error instanceof AdminServiceStatusError) || error.status !== 400 || !error.message.includes("AADUserID")) throw error;
      site.userHasAadUserId = false;
      return lookup(select);
    }
  }

  async function lookupUsers(members: readonly MemberRef[], checkedAt: number): Promise<SourceIdentity[]> {
    const rows = await lookupUserRows(members.map((m) => m.resourceId));
    const users = new Map<number, (typeof rows)[number]>();
    await forEachSliced(rows, (user) => users.set(user.ResourceID, user));
    await confirmAbsent(
      http,
      urls,
      "SMS_R_User",
      members.filter((m) => !users.has(m.resourceId)).map((m) => m.resourceId),
      count,
    );
    const identities: SourceIdentity[] = [];
    await forEachSliced(members, (m) => {
      const user = users.get(m.resourceId);
      identities.push({
        resourceId: m.resourceId,
        name: user?.Name ?? m.name,
        entraId: entraId(user?.AADUserID),
        userPrincipalName: nonEmpty(user?.UserPrincipalName),
        checkedAt,
      });
    });
    return identities;
  }

  return {
    getCollection,
    getCollections,

    async readDeviceMembers(collectionId) {
      const members = await readMembers(collectionId, SYSTEM);
      const identities = await memberIdentities("device", members, lookupSystems, cache);
      const devices: SourceDevice[] = [];
      await forEachSliced(members, (m) => {
        const identity = identities.get(m.resourceId);
        devices.push({ resourceId: m.resourceId, name: identity?.name ?? m.name, entraDeviceId: identity?.entraId ?? null });
      });
      // Pages come in ResourceID order from the provider, which the sort then only confirms (TimSort: one pass).
      return devices.sort(byResourceId);
    },

    async readUserMembers(collectionId) {
      const members = await readMembers(collectionId, USER);
      const identities = await memberIdentities("user", members, lookupUsers, cache);
      return members
        .map((m): SourceUser => {
          const identity = identities.get(m.resourceId);
          return {
            resourceId: m.resourceId,
            name: identity?.name ?? m.name,
            userPrincipalName: identity?.userPrincipalName ?? null,
            entraObjectId: identity?.entraId ?? null,
          };
        })
        .sort(byResourceId);
    },

    rowsRead: (collectionId) => rowCounts.get(collectionId.toUpperCase()),
    requestCount: () => requests,
  };
}

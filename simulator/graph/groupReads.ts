/** Reading groups and their members: `GET /groups`, `/groups/{id}`, `/groups/{id}/members[/type][/$count]`. */
import { evaluate } from "../odataFilter.js";
import { jsonResponse, RouteError, textResponse, type SimRequest, type SimResponse } from "../http/types.js";
import type { DirectoryState, GroupRecord } from "../state/directoryState.js";
import { badRequest, notFound, searchNeedsConsistency, unsupportedQuery } from "./graphErrors.js";
import { hasEventualConsistency, pageResponse, parseGraphFilter, parseSelect, parseSkipToken, parseTop, project, readerOf } from "./query.js";
import { matchesSearch, parseSearch } from "./groupSearch.js";
import {
  DEVICE_PROPERTIES,
  DIRECTORY_OBJECT_PROPERTIES,
  GROUP_PROPERTIES,
  groupView,
  ODATA_TYPE,
  objectView,
  USER_DEFAULTS,
  USER_PROPERTIES,
} from "./representations.js";

export type MemberCast = "device" | "user" | null;

function requireGroup(tenant: DirectoryState, groupId: string): GroupRecord {
  const group = tenant.getGroup(groupId);
  if (!group) throw new RouteError(notFound(groupId));
  return group;
}

/** `$count=true` on directory objects is an advanced query: it needs `ConsistencyLevel: eventual`. */
function wantsCount(req: SimRequest): boolean {
  const raw = req.query.get("$count");
  if (raw === null || raw.toLowerCase() === "false") return false;
  if (raw.toLowerCase() !== "true") throw new RouteError(badRequest(`Invalid value '${raw}' for $count query option.`));
  if (!hasEventualConsistency(req)) throw new RouteError(badRequest("$count is not currently supported."));
  return true;
}

export function getGroup(req: SimRequest, tenant: DirectoryState, groupId: string): SimResponse {
  const group = requireGroup(tenant, groupId);
  const select = parseSelect(req, GROUP_PROPERTIES, "group");
  const body = { "@odata.context": `${req.publicBase}/v1.0/$metadata#groups/$entity`, ...project(groupView(group), select, GROUP_PROPERTIES) };
  return jsonResponse(200, body);
}

export function listGroups(req: SimRequest, tenant: DirectoryState): SimResponse {
  const top = parseTop(req, 100);
  const select = parseSelect(req, GROUP_PROPERTIES, "group");
  const filter = parseGraphFilter(req, GROUP_PROPERTIES, "group");
  const rawSearch = req.query.get("$search");
  if (rawSearch !== null && !hasEventualConsistency(req)) throw new RouteError(searchNeedsConsistency());
  const search = rawSearch !== null ? parseSearch(rawSearch) : null;
  const count = wantsCount(req);
  const offset = parseSkipToken(req);
  const matches: GroupRecord[] = [];
  for (const group of tenant.groups.values()) {
    const view = groupView(group);
    if (filter && !evaluate(filter, readerOf(view))) continue;
    if (search && !matchesSearch(search, group)) continue;
    matches.push(group);
  }
  sortGroups(req, matches);
  const page = matches.slice(offset, offset + top).map((g) => project(groupView(g), select, GROUP_PROPERTIES));
  const next = offset + top < matches.length ? offset + top : null;
  return jsonResponse(200, pageResponse(req, "groups", page, next, count ? matches.length : undefined));
}

/** `$orderby=displayName [asc|desc]`, the one ordering group pickers use; anything else is refused. */
function sortGroups(req: SimRequest, groups: GroupRecord[]): void {
  const raw = req.query.get("$orderby");
  if (raw === null) return;
  const match = /^\s*displayName(?:\s+(asc|desc))?\s*$/i.exec(raw);
  if (!match) throw new RouteError(unsupportedQuery(`Unsupported $orderby clause '${raw}' (the simulated tenant orders groups by displayName only).`));
  const direction = match[1]?.toLowerCase() === "desc" ? -1 : 1;
  groups.sort((a, b) => direction * a.displayName.localeCompare(b.displayName, "en", { sensitivity: "base" }));
}

function memberIdsOfKind(tenant: DirectoryState, group: GroupRecord, cast: MemberCast): string[] {
  const ids: string[] = [];
  for (const [lower, id] of group.members) {
    if (cast === null) ids.push(id);
    else if (cast === "device" ? tenant.devices.has(lower) : tenant.users.has(lower)) ids.push(id);
  }
  return ids;
}

export function listMembers(req: SimRequest, tenant: DirectoryState, groupId: string, cast: MemberCast): SimResponse {
  const group = requireGroup(tenant, groupId);
  const properties = cast === "device" ? DEVICE_PROPERTIES : cast === "user" ? USER_PROPERTIES : DIRECTORY_OBJECT_PROPERTIES;
  const top = parseTop(req, 100);
  const select = parseSelect(req, properties, cast ?? "directoryObject");
  const filter = parseGraphFilter(req, properties, cast ?? "directoryObject");
  const count = wantsCount(req);
  const offset = parseSkipToken(req);
  let ids = memberIdsOfKind(tenant, group, cast);
  if (filter) {
    ids = ids.filter((id) => {
      const object = tenant.findObject(id);
      return evaluate(filter, readerOf(object ? objectView(object) : {}));
    });
  }
  const page: Record<string, unknown>[] = [];
  for (const id of ids.slice(offset, offset + top)) {
    const object = tenant.findObject(id);
    if (!object) continue;
    const defaults = object.type === "user" ? USER_DEFAULTS : object.type === "device" ? DEVICE_PROPERTIES : ["id", "displayName"];
    page.push(project(objectView(object), select, defaults, ODATA_TYPE[object.type]));
  }
  const next = offset + top < ids.length ? offset + top : null;
  const context = cast ? `${cast}s` : "directoryObjects";
  return jsonResponse(200, pageResponse(req, context, page, next, count ? ids.length : undefined));
}

/** `GET /groups/{id}/members[/type]/$count`: text/plain, advanced query (needs ConsistencyLevel: eventual). */
export function countMembers(req: SimRequest, tenant: DirectoryState, groupId: string, cast: MemberCast): SimResponse {
  const group = requireGroup(tenant, groupId);
  if (!hasEventualConsistency(req)) throw new RouteError(badRequest("$count is not currently supported."));
  return textResponse(200, String(memberIdsOfKind(tenant, group, cast).length));
}

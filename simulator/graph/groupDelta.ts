/**
 * `GET /groups/delta` (docs/service-facts.md): the first round returns the groups with their full `members@delta`, paged with
 * nextLinks, ending in a deltaLink; a deltaLink returns only the changes since it was issued (removals carry
 * `@removed`); `$deltatoken=latest` starts from now. Tokens older than 7 days answer 400 `syncStateNotFound`;
 * tokens from before `invalidateDeltaTokens()` answer 410 Gone.
 */
import { randomUUID } from "node:crypto";
import { equalityValues, FilterSyntaxError, parseFilter } from "../odataFilter.js";
import { buildQuery, jsonResponse, RouteError, type SimRequest, type SimResponse } from "../http/types.js";
import type { DirectoryState, GroupRecord } from "../state/directoryState.js";
import { graphError, unsupportedQuery } from "./graphErrors.js";
import { contextUrl } from "./query.js";
import { GROUP_PROPERTIES, groupView, ODATA_TYPE } from "./representations.js";

const TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const MEMBERS_PER_PAGE = 1000;
const MAX_IDS = 50;

interface DeltaState {
  /** Change-log position the token stands at. */
  readonly s: number;
  readonly e: number;
  /** Issued at (epoch ms). */
  readonly t: number;
  /** Group ids the query is restricted to; null = all groups. */
  readonly ids: string[] | null;
  readonly sel: string[] | null;
}

interface Session {
  readonly items: Record<string, unknown>[][];
  readonly final: DeltaState;
}

const sessions = new WeakMap<DirectoryState, Map<string, Session>>();

const expired = (): RouteError =>
  new RouteError(
    graphError(400, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again."),
  );

function encode(state: DeltaState): string {
  return Buffer.from(JSON.stringify(state)).toString("base64url");
}

function decode(token: string): DeltaState {
  try {
    const state = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as DeltaState;
    if (typeof state.s === "number" && typeof state.e === "number" && typeof state.t === "number") return state;
  } catch {
    // handled below
  }
  throw expired();
}

function parseScope(req: SimRequest): { ids: string[] | null; sel: string[] | null } {
  const rawFilter = req.query.get("$filter");
  let ids: string[] | null = null;
  if (rawFilter !== null) {
    let values: unknown[] | null = null;
    try {
      values = equalityValues(parseFilter(rawFilter), "id");
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
    }
    if (!values || values.some((v) => typeof v !== "string")) {
      throw new RouteError(unsupportedQuery("Unsupported query: groups/delta supports only $filter=id eq '…' (or-ed)."));
    }
    if (values.length > MAX_IDS) throw new RouteError(unsupportedQuery(`Too many ids in the delta filter: ${values.length}. Max allowed: ${MAX_IDS}.`));
    ids = (values as string[]).map((v) => v.toLowerCase());
  }
  const rawSelect = req.query.get("$select");
  const sel = rawSelect === null ? null : rawSelect.split(",").map((s) => s.trim());
  for (const field of sel ?? []) {
    if (field !== "members" && !GROUP_PROPERTIES.some((p) => p === field)) {
      throw new RouteError(graphError(400, "Request_BadRequest", `Could not find a property named '${field}' on type 'microsoft.graph.group'.`));
    }
  }
  return { ids, sel };
}

function groupItem(group: GroupRecord, sel: string[] | null): Record<string, unknown> {
  const view = groupView(group);
  const item: Record<string, unknown> = { "@odata.type": ODATA_TYPE.group, id: group.id };
  for (const field of sel ?? GROUP_PROPERTIES) if (field !== "members" && field !== "id") item[field] = view[field] ?? null;
  return item;
}

function memberEntry(tenant: DirectoryState, id: string, removed: boolean): Record<string, unknown> {
  const type = tenant.devices.has(id.toLowerCase())
    ? ODATA_TYPE.device
    : tenant.users.has(id.toLowerCase())
      ? ODATA_TYPE.user
      : "#microsoft.graph.directoryObject";
  return removed ? { "@odata.type": type, id, "@removed": { reason: "deleted" } } : { "@odata.type": type, id };
}

/** Splits each group's member list into page-sized items (a large group spans pages, as in Graph). */
function paginate(items: { head: Record<string, unknown>; members: Record<string, unknown>[] | null }[]): Record<string, unknown>[][] {
  const pages: Record<string, unknown>[][] = [];
  let page: Record<string, unknown>[] = [];
  let budget = MEMBERS_PER_PAGE;
  for (const { head, members } of items) {
    if (members === null) {
      page.push(head);
      continue;
    }
    let offset = 0;
    do {
      const chunk = members.slice(offset, offset + budget);
      page.push({ ...(offset === 0 ? head : { "@odata.type": head["@odata.type"], id: head.id }), "members@delta": chunk });
      offset += chunk.length;
      budget -= chunk.length;
      if (budget <= 0) {
        pages.push(page);
        page = [];
        budget = MEMBERS_PER_PAGE;
      }
    } while (offset < members.length);
  }
  if (page.length > 0 || pages.length === 0) pages.push(page);
  return pages;
}

function initialItems(tenant: DirectoryState, state: DeltaState) {
  const wantsMembers = state.sel === null || state.sel.includes("members");
  const groups = state.ids ? state.ids.map((id) => tenant.getGroup(id)).filter((g): g is GroupRecord => !!g) : [...tenant.groups.values()];
  return groups.map((group) => ({
    head: groupItem(group, state.sel),
    members: wantsMembers ? [...group.members.values()].map((id) => memberEntry(tenant, id, false)) : null,
  }));
}

function changedItems(tenant: DirectoryState, state: DeltaState) {
  const wanted = state.ids ? new Set(state.ids) : null;
  const wantsMembers = state.sel === null || state.sel.includes("members");
  const wantsProps = state.sel === null || state.sel.some((f) => f !== "members" && f !== "id");
  const perGroup = new Map<string, { deleted: boolean; touched: boolean; net: Map<string, boolean> }>();
  for (const change of tenant.changes.slice(state.s)) {
    const lower = change.groupId.toLowerCase();
    if (wanted && !wanted.has(lower)) continue;
    const entry = perGroup.get(lower) ?? { deleted: false, touched: false, net: new Map<string, boolean>() };
    perGroup.set(lower, entry);
    if (change.change === "groupDeleted") entry.deleted = true;
    else if (change.change === "groupUpdated") entry.touched = true;
    else entry.net.set(change.memberId, change.change === "added");
  }
  const items: { head: Record<string, unknown>; members: Record<string, unknown>[] | null }[] = [];
  for (const [lower, entry] of perGroup) {
    const group = tenant.getGroup(lower);
    if (entry.deleted || !group) {
      items.push({ head: { "@odata.type": ODATA_TYPE.group, id: lower, "@removed": { reason: "changed" } }, members: null });
      continue;
    }
    const members = [...entry.net].map(([id, added]) => memberEntry(tenant, id, !added));
    if ((wantsMembers && members.length > 0) || (wantsProps && entry.touched)) {
      items.push({ head: groupItem(group, state.sel), members: wantsMembers && members.length > 0 ? members : null });
    }
  }
  return items;
}

function respond(
  req: SimRequest,
  tenant: DirectoryState,
  pages: Record<string, unknown>[][],
  final: DeltaState,
  index: number,
  sessionId: string,
): SimResponse {
  const body: Record<string, unknown> = { "@odata.context": contextUrl(req, "groups") };
  if (index + 1 < pages.length) {
    body["@odata.nextLink"] = `${req.publicBase}/v1.0/groups/delta?${buildQuery([["$skiptoken", `${sessionId}.${index + 1}`]])}`;
  } else {
    body["@odata.deltaLink"] = `${req.publicBase}/v1.0/groups/delta?${buildQuery([["$deltatoken", encode(final)]])}`;
    sessions.get(tenant)?.delete(sessionId);
  }
  body.value = pages[index] ?? [];
  return jsonResponse(200, body);
}

export function groupsDelta(req: SimRequest, tenant: DirectoryState, now: number): SimResponse {
  const skip = req.query.get("$skiptoken");
  const store = sessions.get(tenant) ?? new Map<string, Session>();
  sessions.set(tenant, store);
  if (skip !== null) {
    const [id, page] = skip.split(".");
    const session = id ? store.get(id) : undefined;
    if (!session || page === undefined) throw expired();
    return respond(req, tenant, session.items, session.final, Number(page), id as string);
  }
  const rawToken = req.query.get("$deltatoken");
  let state: DeltaState;
  let items;
  if (rawToken !== null && rawToken !== "latest") {
    const previous = decode(rawToken);
    if (now - previous.t > TOKEN_LIFETIME_MS) throw expired();
    if (previous.e !== tenant.deltaEpoch) {
      const restart = `${req.publicBase}/v1.0/groups/delta`;
      throw new RouteError(
        graphError(410, "resyncRequired", "The delta token is no longer valid. A full resynchronization is required.", { Location: restart }),
      );
    }
    items = changedItems(tenant, previous);
    state = { ...previous, s: tenant.sequence, t: now };
  } else {
    const scope = parseScope(req);
    state = { s: tenant.sequence, e: tenant.deltaEpoch, t: now, ids: scope.ids, sel: scope.sel };
    items = rawToken === "latest" ? [] : initialItems(tenant, state);
  }
  const pages = paginate(items);
  const sessionId = randomUUID();
  if (pages.length > 1) store.set(sessionId, { items: pages, final: state });
  return respond(req, tenant, pages, state, 0, sessionId);
}

/**
 * Maps one Graph request (plain or inside `$batch`) to its handler, and says what it costs under Graph's
 * throttling model (docs/service-facts.md: GET 1 RU, members list 3, users list 2, `$select` −1; writes 1 RU + 1 write).
 */
import { pathSegments, RouteError, type SimRequest, type SimResponse } from "../http/types.js";
import type { DirectoryState } from "../state/directoryState.js";
import type { RequestCost } from "./throttle.js";
import { getByIds, getDevice, getUser, listDevices, listUsers } from "./directoryReads.js";
import { methodNotAllowed, unknownSegment } from "./graphErrors.js";
import { groupsDelta } from "./groupDelta.js";
import { countMembers, getGroup, listGroups, listMembers, type MemberCast } from "./groupReads.js";
import { addMemberRef, patchGroup, removeMemberRef } from "./memberWrites.js";

export interface GraphRoute {
  readonly kind: "read" | "write";
  readonly cost: RequestCost;
  readonly run: () => SimResponse;
}

const CASTS: Record<string, MemberCast> = {
  "microsoft.graph.device": "device",
  "microsoft.graph.user": "user",
};

function readCost(req: SimRequest, base: number): RequestCost {
  const selected = req.query.has("$select") ? 1 : 0;
  const expanded = req.query.has("$expand") ? 1 : 0;
  return { resourceUnits: Math.max(1, base - selected + expanded), writes: 0 };
}

const WRITE: RequestCost = { resourceUnits: 1, writes: 1 };

function read(req: SimRequest, base: number, run: () => SimResponse): GraphRoute {
  return { kind: "read", cost: readCost(req, base), run };
}

function write(run: () => SimResponse): GraphRoute {
  return { kind: "write", cost: WRITE, run };
}

function notAllowed(req: SimRequest): GraphRoute {
  const kind = req.method === "GET" ? "read" : "write";
  return { kind, cost: kind === "read" ? readCost(req, 1) : WRITE, run: () => methodNotAllowed() };
}

function fail(response: SimResponse): never {
  throw new RouteError(response);
}

/** The route for a request; unknown paths answer Graph's "Resource not found for the segment" 400. */
export function routeGraph(req: SimRequest, tenant: DirectoryState, now: () => number): GraphRoute {
  const segs = pathSegments(req.path) ?? [];
  const [root, a, b, c, d] = segs;
  const m = req.method;
  const unknown = (segment: string | undefined): GraphRoute => read(req, 1, () => fail(unknownSegment(segment ?? "")));

  if (root === "groups") {
    if (segs.length === 1) return m === "GET" ? read(req, 1, () => listGroups(req, tenant)) : notAllowed(req);
    if (a === "delta" || a === "microsoft.graph.delta" || a === "microsoft.graph.delta()") {
      return segs.length === 2 && m === "GET" ? read(req, 1, () => groupsDelta(req, tenant, now())) : notAllowed(req);
    }
    const groupId = a as string;
    if (segs.length === 2) {
      if (m === "GET") return read(req, 1, () => getGroup(req, tenant, groupId));
      if (m === "PATCH") return write(() => patchGroup(req, tenant, groupId));
      return notAllowed(req);
    }
    if (b !== "members") return unknown(b);
    if (segs.length === 3) return m === "GET" ? read(req, 3, () => listMembers(req, tenant, groupId, null)) : notAllowed(req);
    if (c === "$ref" && segs.length === 4) return m === "POST" ? write(() => addMemberRef(req, tenant, groupId)) : notAllowed(req);
    if (c === "$count" && segs.length === 4) return m === "GET" ? read(req, 1, () => countMembers(req, tenant, groupId, null)) : notAllowed(req);
    const cast = c !== undefined ? CASTS[c] : undefined;
    if (cast !== undefined) {
      if (segs.length === 4) return m === "GET" ? read(req, 3, () => listMembers(req, tenant, groupId, cast)) : notAllowed(req);
      if (d === "$count" && segs.length === 5) return m === "GET" ? read(req, 1, () => countMembers(req, tenant, groupId, cast)) : notAllowed(req);
      return unknown(d);
    }
    // `/members/{id}/$ref` removes the membership. `/members/{id}` without `$ref` is never a member removal
    // (on the real service it would address the object itself): refuse it.
    if (d === "$ref" && segs.length === 5) return m === "DELETE" ? write(() => removeMemberRef(tenant, groupId, c as string)) : notAllowed(req);
    if (segs.length === 4) return notAllowed(req);
    return unknown(d);
  }

  if (root === "devices" || (root?.startsWith("devices(") ?? false)) {
    const alternate = /^devices\(deviceId='((?:[^']|'')*)'\)$/i.exec(root ?? "");
    if (alternate) {
      const deviceId = (alternate[1] ?? "").replace(/''/g, "'");
      return segs.length === 1 && m === "GET" ? read(req, 1, () => getDevice(req, tenant, { deviceId })) : notAllowed(req);
    }
    if (root !== "devices") return unknown(root);
    if (segs.length === 1) return m === "GET" ? read(req, 1, () => listDevices(req, tenant)) : notAllowed(req);
    if (segs.length === 2) return m === "GET" ? read(req, 1, () => getDevice(req, tenant, { id: a })) : notAllowed(req);
    return unknown(b);
  }

  if (root === "users") {
    if (segs.length === 1) return m === "GET" ? read(req, 2, () => listUsers(req, tenant)) : notAllowed(req);
    if (segs.length === 2) return m === "GET" ? read(req, 1, () => getUser(req, tenant, a as string)) : notAllowed(req);
    return unknown(b);
  }

  if (root === "directoryObjects" && (a === "getByIds" || a === "microsoft.graph.getByIds") && segs.length === 2) {
    // A POST that only reads: charged as a read.
    return m === "POST" ? read(req, 1, () => getByIds(req, tenant)) : notAllowed(req);
  }

  return unknown(root);
}

/**
 * Membership writes with Graph's rules (docs/service-facts.md "Microsoft Graph v1.0: groups and members"): `PATCH /groups/{id}` with
 * `members@odata.bind` (≤ 20, all-or-nothing), `POST …/members/$ref`, `DELETE …/members/{id}/$ref`.
 */
import { noContent, RouteError, type SimRequest, type SimResponse } from "../http/types.js";
import type { DirectoryObject, DirectoryState, GroupRecord } from "../state/directoryState.js";
import { alreadyExists, badRequest, externallyMastered, insufficientPrivileges, notFound, onPremisesMastered } from "./graphErrors.js";

const MAX_LINKS = 20;
const WRITE_MEMBERS = ["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"];
const WRITE_DEVICES = ["Device.ReadWrite.All", "Directory.ReadWrite.All"];
const ROLE_MANAGEMENT = ["RoleManagement.ReadWrite.Directory"];

const holdsAny = (tenant: DirectoryState, permissions: readonly string[]): boolean => permissions.some((p) => tenant.permissions.has(p));

function requireGroup(tenant: DirectoryState, groupId: string): GroupRecord {
  const group = tenant.getGroup(groupId);
  if (!group) throw new RouteError(notFound(groupId));
  return group;
}

/** Groups that refuse membership changes from an app, checked before any member is looked at. */
function assertGroupWritable(tenant: DirectoryState, group: GroupRecord): void {
  if (!holdsAny(tenant, WRITE_MEMBERS)) throw new RouteError(insufficientPrivileges());
  if (group.groupTypes.includes("DynamicMembership")) throw new RouteError(insufficientPrivileges());
  if (group.isAssignableToRole === true && !holdsAny(tenant, ROLE_MANAGEMENT)) throw new RouteError(insufficientPrivileges());
  if (group.onPremisesSyncEnabled === true) throw new RouteError(onPremisesMastered());
  if (group.mailEnabled && !group.groupTypes.includes("Unified")) throw new RouteError(externallyMastered());
}

/** Accepts `https://graph.microsoft.com/v1.0/directoryObjects/{id}` with any host/version prefix. */
function objectIdOf(reference: unknown): string {
  if (typeof reference === "string") {
    const match = /\/(?:directoryObjects|devices|users|groups)\/([^/?#]+)$/i.exec(reference);
    if (match?.[1]) return decodeURIComponent(match[1]);
  }
  throw new RouteError(badRequest("Invalid URL format specified in @odata.bind for members"));
}

function assertMemberAllowed(tenant: DirectoryState, group: GroupRecord, object: DirectoryObject): void {
  if (object.type === "device") {
    // Microsoft 365 groups take users only (docs/service-facts.md).
    if (group.groupTypes.includes("Unified")) {
      throw new RouteError(badRequest("Unable to add a device to a group of type 'Unified'. Only users are supported."));
    }
    // Adding a device needs write access to the device object (docs/service-facts.md, Permissions).
    if (!holdsAny(tenant, WRITE_DEVICES)) throw new RouteError(insufficientPrivileges());
  }
}

/** Validates every reference first, then applies them all: one bad member fails the whole request. */
function addAll(tenant: DirectoryState, group: GroupRecord, references: readonly unknown[]): SimResponse {
  const ids = references.map(objectIdOf);
  const objects: DirectoryObject[] = [];
  for (const id of ids) {
    const object = tenant.findObject(id);
    if (!object) throw new RouteError(notFound(id));
    assertMemberAllowed(tenant, group, object);
    objects.push(object);
  }
  const seen = new Set<string>();
  for (const object of objects) {
    const lower = object.record.id.toLowerCase();
    if (group.members.has(lower) || seen.has(lower)) throw new RouteError(alreadyExists());
    seen.add(lower);
  }
  for (const object of objects) tenant.addMember(group.id, object.record.id);
  return noContent();
}

const GROUP_SCALARS = ["displayName", "description", "mailNickname"] as const;

/** `PATCH /groups/{id}`: member binds plus the few scalar properties the simulator keeps. */
export function patchGroup(req: SimRequest, tenant: DirectoryState, groupId: string): SimResponse {
  const group = requireGroup(tenant, groupId);
  const body = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RouteError(badRequest("Invalid request body."));
  }
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== "members@odata.bind" && !(GROUP_SCALARS as readonly string[]).includes(key)) {
      throw new RouteError(badRequest(`Property '${key}' is read-only or not supported by the simulated tenant.`));
    }
  }
  const binds = record["members@odata.bind"];
  if (binds !== undefined) {
    if (!Array.isArray(binds)) throw new RouteError(badRequest("Invalid value for 'members@odata.bind': an array is expected."));
    if (binds.length > MAX_LINKS) throw new RouteError(badRequest(`A resource cannot contain more than ${MAX_LINKS} link changes.`));
    if (binds.length > 0) {
      assertGroupWritable(tenant, group);
      addAll(tenant, group, binds);
    }
  }
  for (const key of GROUP_SCALARS) {
    const value = record[key];
    if (typeof value === "string") group[key] = value;
  }
  return noContent();
}

/** `POST /groups/{id}/members/$ref` with `{"@odata.id": ".../directoryObjects/{id}"}`. */
export function addMemberRef(req: SimRequest, tenant: DirectoryState, groupId: string): SimResponse {
  const group = requireGroup(tenant, groupId);
  const body = req.body as Record<string, unknown> | undefined;
  if (typeof body !== "object" || body === null || !("@odata.id" in body)) {
    throw new RouteError(badRequest("The request body must contain '@odata.id'."));
  }
  assertGroupWritable(tenant, group);
  return addAll(tenant, group, [body["@odata.id"]]);
}

/** `DELETE /groups/{id}/members/{objectId}/$ref` → 204; not a member → 404. */
export function removeMemberRef(tenant: DirectoryState, groupId: string, memberId: string): SimResponse {
  const group = requireGroup(tenant, groupId);
  assertGroupWritable(tenant, group);
  if (!tenant.isMember(group.id, memberId)) throw new RouteError(notFound(memberId));
  tenant.removeMember(group.id, memberId);
  return noContent();
}

/**
 * Devices and users: `GET /devices` (with `deviceId eq|in` filters and the `devices(deviceId='…')` alternate
 * key), `GET /users[/{id|upn}]`, `POST /directoryObjects/getByIds` (docs/service-facts.md "Microsoft Graph: devices and users").
 */
import { equalityValues, evaluate, type FilterNode } from "../odataFilter.js";
import { jsonResponse, RouteError, type SimRequest, type SimResponse } from "../http/types.js";
import type { DeviceRecord, DirectoryState, UserRecord } from "../state/directoryState.js";
import { badRequest, insufficientPrivileges, notFound } from "./graphErrors.js";
import { contextUrl, pageResponse, parseGraphFilter, parseSelect, parseSkipToken, parseTop, project, readerOf } from "./query.js";
import { DEVICE_PROPERTIES, deviceView, ODATA_TYPE, objectView, USER_DEFAULTS, USER_PROPERTIES, userView } from "./representations.js";

/** Uses the Map index when the filter is only `prop eq …`/`prop in (…)`, else scans. */
function select<T>(
  all: readonly T[],
  filter: FilterNode | null,
  indexes: Readonly<Record<string, ReadonlyMap<string, T>>>,
  view: (record: T) => Record<string, unknown>,
): readonly T[] {
  if (!filter) return all;
  for (const [property, index] of Object.entries(indexes)) {
    const values = equalityValues(filter, property);
    if (values) {
      const found = new Set<T>();
      for (const value of values) {
        const record = typeof value === "string" ? index.get(value.toLowerCase()) : undefined;
        if (record) found.add(record);
      }
      return [...found];
    }
  }
  return all.filter((record) => evaluate(filter, readerOf(view(record))));
}

function listPage<T>(req: SimRequest, records: readonly T[], context: string, render: (r: T) => Record<string, unknown>): SimResponse {
  const top = parseTop(req, 100);
  const offset = parseSkipToken(req);
  const page = records.slice(offset, offset + top).map(render);
  return jsonResponse(200, pageResponse(req, context, page, offset + top < records.length ? offset + top : null));
}

export function listDevices(req: SimRequest, tenant: DirectoryState): SimResponse {
  const fields = parseSelect(req, DEVICE_PROPERTIES, "device");
  const filter = parseGraphFilter(req, DEVICE_PROPERTIES, "device");
  const records = select(tenant.deviceList, filter, { deviceId: tenant.devicesByDeviceId, id: tenant.devices }, deviceView);
  return listPage(req, records, "devices", (d) => project(deviceView(d), fields, DEVICE_PROPERTIES));
}

function singleEntity(req: SimRequest, context: string, view: Record<string, unknown>, fields: string[] | null, defaults: readonly string[]): SimResponse {
  return jsonResponse(200, { "@odata.context": contextUrl(req, `${context}/$entity`), ...project(view, fields, defaults) });
}

/** `GET /devices/{id}` or the alternate key `GET /devices(deviceId='{guid}')`. */
export function getDevice(req: SimRequest, tenant: DirectoryState, key: { id?: string; deviceId?: string }): SimResponse {
  const fields = parseSelect(req, DEVICE_PROPERTIES, "device");
  const device: DeviceRecord | undefined =
    key.id !== undefined ? tenant.devices.get(key.id.toLowerCase()) : tenant.devicesByDeviceId.get((key.deviceId ?? "").toLowerCase());
  if (!device) throw new RouteError(notFound(key.id ?? key.deviceId ?? ""));
  return singleEntity(req, "devices", deviceView(device), fields, DEVICE_PROPERTIES);
}

/**
 * Application permissions that read users (least privileged first): `User.Read.All`; getByIds lists only
 * `Directory.Read.All` (docs/service-facts.md), so User.Read.All alone is refused there.
 */
const READ_USERS = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const READ_DIRECTORY_OBJECTS = ["Directory.Read.All", "Directory.ReadWrite.All"];

function requireAny(tenant: DirectoryState, permissions: readonly string[]): void {
  if (!permissions.some((p) => tenant.permissions.has(p))) throw new RouteError(insufficientPrivileges());
}

export function listUsers(req: SimRequest, tenant: DirectoryState): SimResponse {
  requireAny(tenant, READ_USERS);
  const fields = parseSelect(req, USER_PROPERTIES, "user");
  const filter = parseGraphFilter(req, USER_PROPERTIES, "user");
  const records = select(tenant.userList, filter, { id: tenant.users, userPrincipalName: tenant.usersByUpn }, userView);
  return listPage(req, records, "users", (u) => project(userView(u), fields, USER_DEFAULTS));
}

export function getUser(req: SimRequest, tenant: DirectoryState, idOrUpn: string): SimResponse {
  requireAny(tenant, READ_USERS);
  const fields = parseSelect(req, USER_PROPERTIES, "user");
  const lower = idOrUpn.toLowerCase();
  const user: UserRecord | undefined = tenant.users.get(lower) ?? tenant.usersByUpn.get(lower);
  if (!user) throw new RouteError(notFound(idOrUpn));
  return singleEntity(req, "users", userView(user), fields, USER_DEFAULTS);
}

const TYPE_NAMES: Record<string, "device" | "user" | "group"> = {
  device: "device",
  "microsoft.graph.device": "device",
  user: "user",
  "microsoft.graph.user": "user",
  group: "group",
  "microsoft.graph.group": "group",
};

/** `POST /directoryObjects/getByIds` `{ ids, types? }`: up to 1,000 ids; unknown ids are left out. */
export function getByIds(req: SimRequest, tenant: DirectoryState): SimResponse {
  requireAny(tenant, READ_DIRECTORY_OBJECTS);
  const body = req.body as { ids?: unknown; types?: unknown } | undefined;
  const ids = body?.ids;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string")) {
    throw new RouteError(badRequest("Invalid request body: 'ids' must be an array of strings."));
  }
  if (ids.length > 1000) throw new RouteError(badRequest(`Too many identifiers: ${ids.length}. Max allowed: 1000.`));
  let types: Set<string> | null = null;
  if (body?.types !== undefined) {
    if (!Array.isArray(body.types)) throw new RouteError(badRequest("Invalid request body: 'types' must be an array."));
    types = new Set();
    for (const t of body.types) {
      const name = typeof t === "string" ? TYPE_NAMES[t.toLowerCase()] : undefined;
      if (!name) throw new RouteError(badRequest(`Unsupported type '${String(t)}'.`));
      types.add(name);
    }
  }
  const value: Record<string, unknown>[] = [];
  for (const id of ids as string[]) {
    const object = tenant.findObject(id);
    if (!object || (types && !types.has(object.type))) continue;
    value.push({ "@odata.type": ODATA_TYPE[object.type], ...objectView(object) });
  }
  return jsonResponse(200, { "@odata.context": contextUrl(req, "directoryObjects"), value });
}

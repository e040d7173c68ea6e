/**
 * Resolving ConfigMgr's keys to Entra objects in bulk (docs/service-facts.md, devices and users): `in` filters of
 * ≤ 15 values inside `$batch` of ≤ 20 — devices by `deviceId`, users by `id` or `userPrincipalName` with
 * `accountEnabled` selected, all under User.Read.All / Device.ReadWrite.All (never `directoryObjects/getByIds`,
 * which wants Directory.Read.All and may leave accountEnabled out) — and one enumeration of all devices when so
 * many are wanted that reading the whole list is cheaper.
 */
import { forEachSliced } from "../eventLoop.js";
import { z } from "zod";
import type { DirectoryDevice, DirectoryUser, MemberKind, TrustType } from "../core/ports/directory.js";
import type { SubRequest } from "./batch.js";
import { runJobs } from "./jobRunner.js";
import { readFailure, type GraphContext } from "./graphContext.js";
import { GraphRequestError } from "./graphErrors.js";
import { chunk } from "../batches.js";
import { inFilter, queryValue } from "./odata.js";
import { PAGE_SIZE } from "./groupReads.js";
import { forEachPage, readPage, type Page } from "./paging.js";
import type { GraphAnswer } from "./transport.js";

/** An `in (…)` list takes at most 15 values (Graph: "Max allowed: 15"). */
export const IN_LIMIT = 15;

const DEVICE_SELECT = "id,deviceId,trustType,accountEnabled";
const USER_SELECT = "id,userPrincipalName,accountEnabled";

const deviceSchema = z.object({
  id: z.string(),
  deviceId: z.string().nullish(),
  trustType: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
});
const userSchema = z.object({
  id: z.string(),
  userPrincipalName: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
});

const TRUST_TYPES = new Set<string>(["AzureAd", "ServerAd", "Workplace"]);

function toDevice(value: unknown): DirectoryDevice | null {
  const parsed = deviceSchema.safeParse(value);
  if (!parsed.success || !parsed.data.deviceId) return null;
  const d = parsed.data;
  const trustType = d.trustType && TRUST_TYPES.has(d.trustType) ? (d.trustType as TrustType) : null;
  return { id: d.id, deviceId: d.deviceId as string, trustType, accountEnabled: d.accountEnabled ?? false };
}

function toUser(value: unknown): DirectoryUser | null {
  const parsed = userSchema.safeParse(value);
  if (!parsed.success) return null;
  const u = parsed.data;
  return { id: u.id, userPrincipalName: u.userPrincipalName ?? "", accountEnabled: u.accountEnabled ?? false };
}

/**
 * Keys as given, grouped by their case-insensitive form (GUIDs and UPNs compare without case). A key that is its own
 * lower-case form (nearly all: ConfigMgr's ids are lower-cased before they get here) is kept as a bare string,
 * so a million keys do not cost a million one-element arrays.
 */
async function keysByLower(keys: readonly string[]): Promise<Map<string, string | string[]>> {
  const out = new Map<string, string | string[]>();
  await forEachSliced(keys, (key) => {
    if (key.trim() === "") return;
    const lower = key.toLowerCase();
    const held = out.get(lower);
    if (held === undefined) out.set(lower, key);
    else if (typeof held === "string") {
      if (held !== key) out.set(lower, [held, key]);
    } else if (!held.includes(key)) held.push(key);
  });
  return out;
}

/** When one deviceId has several device objects (stale re-registrations), an enabled one wins. */
function better(current: DirectoryDevice | undefined, candidate: DirectoryDevice): DirectoryDevice {
  if (current === undefined) return candidate;
  return !current.accountEnabled && candidate.accountEnabled ? candidate : current;
}

export interface DeviceLookupOptions {
  /** More misses than this: enumerate `/devices` once instead of `in` lookups. */
  readonly enumerateAbove: number;
}

export async function findDevicesByDeviceId(
  context: GraphContext,
  deviceIds: readonly string[],
  options: DeviceLookupOptions,
): Promise<Map<string, DirectoryDevice>> {
  const wanted = await keysByLower(deviceIds);
  const found = new Map<string, DirectoryDevice>();
  const take = (value: unknown) => {
    const device = toDevice(value);
    const lower = device?.deviceId.toLowerCase();
    if (device !== null && lower !== undefined && wanted.has(lower)) found.set(lower, better(found.get(lower), device));
  };

  if (wanted.size > options.enumerateAbove) {
    await forEachPage(context, `/devices?$select=${DEVICE_SELECT}&$top=${PAGE_SIZE}`, (page) => page.value.forEach(take), {
      operation: "list devices",
    });
  } else {
    const requests = chunk([...wanted.keys()], IN_LIMIT).map((values) => ({
      method: "GET" as const,
      path: `/devices?$filter=${queryValue(inFilter("deviceId", values))}&$select=${DEVICE_SELECT}&$top=${PAGE_SIZE}`,
      kind: "read" as const,
    }));
    await batchedReads(context, requests, "look up devices", (page) => page.value.forEach(take));
  }
  return await byOriginalKeys(wanted, found);
}

/** Keys containing `@` are userPrincipalNames, the rest object ids. */
export async function findUsers(context: GraphContext, keys: readonly string[]): Promise<Map<string, DirectoryUser>> {
  const wanted = await keysByLower(keys);
  const upns = [...wanted.keys()].filter((k) => k.includes("@"));
  const ids = [...wanted.keys()].filter((k) => !k.includes("@"));
  const found = new Map<string, DirectoryUser>();
  const takeBy = (field: "id" | "userPrincipalName") => (value: unknown) => {
    const user = toUser(value);
    const lower = user?.[field].toLowerCase();
    if (user !== null && lower !== undefined && wanted.has(lower)) found.set(lower, user);
  };

  const lookups = (field: "id" | "userPrincipalName", values: string[]) =>
    chunk(values, IN_LIMIT).map((part) => ({
      method: "GET" as const,
      path: `/users?$filter=${queryValue(inFilter(field, part))}&$select=${USER_SELECT}&$top=${PAGE_SIZE}`,
      kind: "read" as const,
    }));
  const requests = [...lookups("id", ids), ...lookups("userPrincipalName", upns)];
  await batchedReads(context, requests, "look up users", (page) =>
    page.value.forEach((value) => {
      takeBy("id")(value);
      takeBy("userPrincipalName")(value);
    }),
  );
  return await byOriginalKeys(wanted, found);
}

const namedSchema = z.object({ id: z.string(), displayName: z.string().nullish(), userPrincipalName: z.string().nullish() });

/**
 * Names by object id: `GET /devices?$filter=id in (…)&$select=id,displayName` (users: `userPrincipalName`), ≤ 15
 * ids per request inside `$batch` — the permissions the app holds already cover both (docs/service-facts.md).
 */
export async function nameMembers(context: GraphContext, objectIds: readonly string[], kind: MemberKind): Promise<Map<string, string>> {
  const wanted = await keysByLower(objectIds);
  const [collection, select] = kind === "device" ? ["devices", "id,displayName"] : ["users", "id,userPrincipalName"];
  const found = new Map<string, string>();
  const requests = chunk([...wanted.keys()], IN_LIMIT).map((values) => ({
    method: "GET" as const,
    path: `/${collection}?$filter=${queryValue(inFilter("id", values))}&$select=${select}&$top=${PAGE_SIZE}`,
    kind: "read" as const,
  }));
  await batchedReads(context, requests, `name ${collection}`, (page) =>
    page.value.forEach((value) => {
      const parsed = namedSchema.safeParse(value);
      if (!parsed.success) return;
      const name = kind === "device" ? parsed.data.displayName : parsed.data.userPrincipalName;
      if (name !== null && name !== undefined && name !== "") found.set(parsed.data.id.toLowerCase(), name);
    }),
  );
  return await byOriginalKeys(wanted, found);
}

async function byOriginalKeys<T>(wanted: Map<string, string | string[]>, found: Map<string, T>): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  await forEachSliced(found, ([lower, value]) => {
    const keys = wanted.get(lower);
    if (typeof keys === "string") out.set(keys, value);
    else for (const key of keys ?? []) out.set(key, value);
  });
  return out;
}

/** GET sub-requests in `$batch`; a page with a nextLink (rare for ≤ 15 values) is followed outside the batch. */
async function batchedReads(context: GraphContext, requests: readonly SubRequest[], operation: string, onPage: (page: Page) => void): Promise<void> {
  if (requests.length === 0) return;
  const more: string[] = [];
  const handle = (_job: { request: SubRequest }, answer: GraphAnswer) => {
    if (answer.status !== 200) throw readFailure(answer, operation);
    const page = readPage(answer.body);
    onPage(page);
    if (page.nextLink !== null) more.push(context.connection.relativePath(page.nextLink));
    return [];
  };
  const result = await runJobs(
    context.connection,
    context.stats,
    requests.map((request) => ({ request })),
    handle,
    {
      operation,
      parallel: context.parallel,
      clock: context.clock,
      retry: context.retry,
    },
  );
  if (result.deferred.length > 0) {
    throw new GraphRequestError(429, "TooManyRequests", "Graph kept throttling; giving up for now", operation);
  }
  for (const path of more) await forEachPage(context, path, onPage, { operation });
}

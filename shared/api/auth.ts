import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import type { ActorKind } from "../audit/auditTrail.js";
import { ApiProblem } from "./problems.js";

/**
 * Who may call the API.
 * - `easyauth`: Azure. App Service Authentication signs the caller in and passes the principal in
 *   `x-ms-client-principal` (base64 JSON); the platform strips that header from incoming requests only while
 *   Authentication is on, so the header is trusted only when the platform reports it on (`platformAuthEnabled`,
 *   from WEBSITE_AUTH_ENABLED; docs/service-facts.md "App Service Authentication"). Otherwise every request is
 *   answered 503. App roles `Mappings.Read` / `Mappings.ReadWrite` decide access; an on-premises
 *   collector holds `Snapshots.Write` (upload snapshots, list the mapped collections) and nothing else.
 * - `function-key`: fallback in Azure when Easy Auth cannot be used; the function is registered with
 *   authLevel "function", the host has checked the key, and the caller has full access.
 * - `key`: local `serve` with `API_KEY`: `x-api-key` must equal the configured key (full access), or the
 *   optional read key (`API_READ_KEY`: Mappings.Read only, e.g. for a dashboard or a read-only console).
 * - `none`: local `serve` on loopback only.
 */
export interface AuthConfig {
  readonly mode: "easyauth" | "function-key" | "key" | "none";
  /** `none`: who is at the keyboard (`serve`: `local:<OS user>`; CLI commands: `cli:<OS user>`), for the audit trail. */
  readonly localActor?: { readonly name: string; readonly kind: "local" | "cli" };
  readonly apiKey?: string;
  /** With mode "key": a second key that grants Mappings.Read only. */
  readonly readKey?: string;
  /** `easyauth` only: App Service reports Authentication enabled (WEBSITE_AUTH_ENABLED). Absent = not enabled. */
  readonly platformAuthEnabled?: boolean;
}

export type ApiRole = "Mappings.Read" | "Mappings.ReadWrite" | "Snapshots.Write";
/** `push`: collector uploads; `read-or-push`: what both readers and collectors may see (the mapped collections). */
export type Access = "read" | "write" | "push" | "read-or-push";

/** Any one of these roles grants the access. */
const ACCESS_ROLES: Record<Access, readonly ApiRole[]> = {
  read: ["Mappings.Read"],
  write: ["Mappings.ReadWrite"],
  push: ["Snapshots.Write"],
  "read-or-push": ["Mappings.Read", "Snapshots.Write"],
};

export interface Principal {
  /** Recorded as createdBy / updatedBy / approver. */
  readonly name: string;
  readonly roles: ReadonlySet<ApiRole>;
  /** Entra object id (Easy Auth `oid` claim); null for keys and local use. */
  readonly objectId: string | null;
  /** How the caller signed in, for the audit trail. */
  readonly kind: ActorKind;
}

const FULL_ACCESS: ReadonlySet<ApiRole> = new Set<ApiRole>(["Mappings.Read", "Mappings.ReadWrite", "Snapshots.Write"]);
const READ_ONLY: ReadonlySet<ApiRole> = new Set<ApiRole>(["Mappings.Read"]);
const PRINCIPAL_HEADER = "x-ms-client-principal";
const API_KEY_HEADER = "x-api-key";
/** Easy Auth's own claim type for app roles; `role_typ` in the principal may name another. */
const ROLES_CLAIM = "roles";

const clientPrincipalSchema = z.object({
  auth_typ: z.string().optional(),
  name_typ: z.string().optional(),
  role_typ: z.string().optional(),
  claims: z.array(z.object({ typ: z.string(), val: z.string() })),
});

export function assertAuthConfig(auth: AuthConfig): void {
  if (auth.mode === "key" && (auth.apiKey === undefined || auth.apiKey.length < 16)) {
    throw new ConfigError(["API_KEY must be set (at least 16 characters) when the API is served beyond loopback"]);
  }
  if (auth.readKey !== undefined && (auth.readKey.length < 16 || auth.readKey === auth.apiKey)) {
    throw new ConfigError(["API_READ_KEY must be at least 16 characters and differ from API_KEY"]);
  }
}

function unauthorized(detail: string): ApiProblem {
  return new ApiProblem(401, "unauthorized", detail, [], { "www-authenticate": 'Bearer realm="collection-sync"' });
}

/** Every request gets this while the header that names the caller could have come from anyone. */
function authenticationNotEnabled(): ApiProblem {
  return new ApiProblem(
    503,
    "authentication-not-enabled",
    "API_AUTH is easyauth but App Service Authentication is not enabled for this app, so the caller's identity " +
      "cannot be trusted and every request is refused. Turn Authentication on for the function app (docs/deploy.md), " +
      "or set API_AUTH=function-key.",
  );
}

/** Decodes `x-ms-client-principal`; null when it is missing or not a principal. */
export function parseClientPrincipal(header: string | undefined): Principal | null {
  if (header === undefined || header.length === 0 || header.length > 32_768) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    return null;
  }
  const parsed = clientPrincipalSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { claims, name_typ, role_typ } = parsed.data;
  const first = (...types: (string | undefined)[]) =>
    types.flatMap((type) => (type === undefined ? [] : claims.filter((c) => c.typ === type).map((c) => c.val))).find((v) => v !== "");
  const roles = new Set<ApiRole>();
  for (const claim of claims) {
    if (claim.typ !== ROLES_CLAIM && claim.typ !== role_typ) continue;
    if (claim.val === "Mappings.ReadWrite") roles.add("Mappings.ReadWrite").add("Mappings.Read");
    if (claim.val === "Mappings.Read") roles.add("Mappings.Read");
    if (claim.val === "Snapshots.Write") roles.add("Snapshots.Write");
  }
  // People carry a UPN; an app calling with its own token carries only its application id.
  const person = first(name_typ, "preferred_username", "upn", "email", "name");
  const app = first("appid", "azp");
  const objectId = first("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid") ?? null;
  const name = person ?? (app !== undefined ? `app:${app}` : "unknown");
  return { name, roles, objectId, kind: person === undefined && app !== undefined ? "app" : "user" };
}

/** Same-length digests, so neither the key's content nor its length leaks through timing. */
function keysEqual(given: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Who is calling; throws a 401 problem when the caller is not signed in. */
export function authenticate(headers: Readonly<Record<string, string | undefined>>, auth: AuthConfig): Principal {
  switch (auth.mode) {
    case "none":
      return { name: auth.localActor?.name ?? "local", roles: FULL_ACCESS, objectId: null, kind: auth.localActor?.kind ?? "local" };
    case "function-key":
      return { name: "function-key", roles: FULL_ACCESS, objectId: null, kind: "function-key" };
    case "key": {
      const given = headers[API_KEY_HEADER];
      if (given !== undefined && auth.apiKey !== undefined && keysEqual(given, auth.apiKey))
        return { name: "api-key", roles: FULL_ACCESS, objectId: null, kind: "api-key" };
      if (given !== undefined && auth.readKey !== undefined && keysEqual(given, auth.readKey))
        return { name: "api-read-key", roles: READ_ONLY, objectId: null, kind: "api-key" };
      throw unauthorized("Send the API key in the x-api-key header.");
    }
    case "easyauth": {
      if (auth.platformAuthEnabled !== true) throw authenticationNotEnabled();
      const principal = parseClientPrincipal(headers[PRINCIPAL_HEADER]);
      if (principal === null) throw unauthorized("Sign in through the app's Entra ID authentication.");
      return principal;
    }
  }
}

/** Throws a 403 problem unless the principal holds a role the access needs. */
export function authorize(principal: Principal, access: Access): void {
  const roles = ACCESS_ROLES[access];
  if (!roles.some((role) => principal.roles.has(role))) {
    throw new ApiProblem(403, "forbidden", `This needs the app role ${roles.join(" or ")}; ${principal.name} does not have it.`);
  }
}

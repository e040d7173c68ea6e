import pMap from "p-map";
import { SourceReadError } from "../errors.js";
import type { AdminServiceAuth } from "../configmgr/adminServiceAuth.js";
import { accessDeniedAdvice } from "../configmgr/adminServiceAuth.js";
import { AdminServiceAccessDeniedError, AdminServiceStatusError, type AdminServiceHttp } from "../configmgr/adminServiceHttp.js";
import { keyedEntity } from "../configmgr/adminServiceRows.js";
import { adminServiceHttpFrom, createAdminServiceSourceProvider } from "../configmgr/adminServiceSource.js";
import { AdminServiceUrls } from "../configmgr/adminServiceUrls.js";
import type { MembershipSource } from "../core/ports/membershipSource.js";
import { errorLine, failed, notApplicable, passed, type DiagnosticCheck } from "./diagnosis.js";
import { reach, reachFix } from "./httpReach.js";

export interface AdminServiceDoctorDeps {
  /** ADMINSERVICE_URL. */
  readonly baseUrl: string;
  /** ADMINSERVICE_AUTH, opened as the app (or collector) opens it. */
  readonly auth: AdminServiceAuth;
  /** The collections mappings read (the app's mapping table, or the app's list on a collector host). */
  readonly mappedCollections: readonly string[];
  readonly fetchImpl?: typeof fetch;
  /** Per request; default 15 s. */
  readonly timeoutMs?: number;
}

const REACHABLE = "AdminService reachable";
const SIGN_IN = "AdminService sign-in";
const COLLECTIONS = "SMS_Collection readable";
const AAD_DEVICE_ID = "SMS_R_System carries AADDeviceID";
const NEEDS_ROLE = (auth: AdminServiceAuth) =>
  `Make ${auth.identity()} a ConfigMgr administrative user with at least Read-only Analyst on the mapped collections (Administration > Security > Administrative Users), with security scopes that include them.`;

/**
 * The AdminService the way a support engineer walks it: the network path (no credentials), the sign-in and
 * which identity it uses, a read of SMS_Collection, whether SMS_R_System has AADDeviceID (without it no device
 * can be matched to Entra), and every mapped collection.
 */
export async function adminServiceChecks(deps: AdminServiceDoctorDeps): Promise<DiagnosticCheck[]> {
  const timeoutMs = deps.timeoutMs ?? 15_000;
  const urls = new AdminServiceUrls(deps.baseUrl);
  const options = { baseUrl: deps.baseUrl, auth: deps.auth, timeoutMs, maxRetries: 1, ...(deps.fetchImpl === undefined ? {} : { fetchImpl: deps.fetchImpl }) };
  const http = adminServiceHttpFrom(options);
  // Any one collection proves SMS_Collection readable: an administrative user scoped to a few collections may
  // not see "All Systems" (SMS00001), so no particular one is asked for.
  const firstCollection = urls.firstRecord("SMS_Collection", ["CollectionID", "Name"]);

  const reachable = await reachability(firstCollection, deps, timeoutMs);
  if (reachable.status === "fail") {
    const skipped = "not checked: the AdminService cannot be reached";
    return [
      reachable,
      notApplicable(SIGN_IN, skipped),
      notApplicable(COLLECTIONS, skipped),
      notApplicable(AAD_DEVICE_ID, skipped),
      ...deps.mappedCollections.map((id) => notApplicable(collectionName(id), skipped)),
    ];
  }
  const first = await signInAndRead(http, firstCollection, deps.auth);
  if (first.refused) {
    const skipped = "not checked: the AdminService refused the sign-in";
    return [
      reachable,
      ...first.checks,
      notApplicable(AAD_DEVICE_ID, skipped),
      ...deps.mappedCollections.map((id) => notApplicable(collectionName(id), skipped)),
    ];
  }
  const aadDeviceId = await aadDeviceIdCheck(http, urls);
  const source = createAdminServiceSourceProvider(options).open();
  const collections = await pMap(deps.mappedCollections, (id) => mappedCollectionCheck(source, deps.auth, id), { concurrency: 4 });
  return [reachable, ...first.checks, aadDeviceId, ...collections];
}

async function reachability(url: string, deps: AdminServiceDoctorDeps, timeoutMs: number): Promise<DiagnosticCheck> {
  const target = new URL(url);
  const answer = await reach(url, { timeoutMs, ...(deps.fetchImpl === undefined ? {} : { fetchImpl: deps.fetchImpl }) });
  if (answer.kind === "unreachable") {
    const layer = {
      dns: "name does not resolve",
      tcp: "connection refused or unreachable",
      tls: "TLS handshake failed",
      timeout: "no answer",
      network: "no answer",
    }[answer.layer];
    return failed(REACHABLE, `${target.host}: ${layer} (${answer.code ?? answer.message})`, reachFix(answer.layer, target, "ADMINSERVICE_URL"));
  }
  const offers = answer.challenges.length === 0 ? "" : `; it offers ${answer.challenges.join(", ")} sign-in`;
  return passed(REACHABLE, `${target.host} answered HTTP ${answer.status} in ${answer.ms} ms without credentials${offers}`);
}

/** One SMS_Collection record read with the configured sign-in: proves the identity is accepted and the class readable. */
async function signInAndRead(http: AdminServiceHttp, url: string, auth: AdminServiceAuth): Promise<{ refused: boolean; checks: DiagnosticCheck[] }> {
  const who = `${auth.identity()} (ADMINSERVICE_AUTH=${auth.mode})`;
  const accepted =
    auth.mode === "none" ? notApplicable(SIGN_IN, "the loopback simulated AdminService takes no credentials") : passed(SIGN_IN, `accepted ${who}`);
  let body: unknown;
  try {
    body = await http.getJson(url, () => undefined);
  } catch (error) {
    if (error instanceof AdminServiceAccessDeniedError) {
      return { refused: true, checks: [failed(SIGN_IN, `the AdminService answered ${error.status} to ${who}`, accessDeniedAdvice(auth, error.status))] };
    }
    if (error instanceof SourceReadError && error.kind === "access-denied") {
      return { refused: true, checks: [failed(SIGN_IN, errorLine(error), signInFix(auth))] };
    }
    const unknown = notApplicable(SIGN_IN, "not known: the read failed for another reason (below)");
    return { refused: false, checks: [unknown, failed(COLLECTIONS, errorLine(error), readFix(error))] };
  }
  let row: unknown;
  try {
    row = keyedEntity(body, "SMS_Collection");
  } catch (error) {
    return { refused: false, checks: [accepted, failed(COLLECTIONS, errorLine(error), readFix(error))] };
  }
  if (row === null) {
    return {
      refused: false,
      checks: [
        accepted,
        failed(
          COLLECTIONS,
          "the AdminService answered, but shows this identity no collection at all",
          `ADMINSERVICE_URL must be the AdminService root (https://<SMS Provider>/AdminService, or through a CMG https://<CMG>/CCM_Proxy_MutualAuth/<id>/AdminService); if it is, give ${auth.identity()} security scopes and collections that include the mapped ones.`,
        ),
      ],
    };
  }
  return { refused: false, checks: [accepted, passed(COLLECTIONS, `a collection list was read (first: ${describeRow(row)})`)] };
}

/** `PS100012 "All Pilot"` from a row whose property names may come in any case. */
function describeRow(row: unknown): string {
  if (row === null || typeof row !== "object") return "a record";
  const field = (name: string) => Object.entries(row as Record<string, unknown>).find(([key]) => key.toLowerCase() === name)?.[1];
  const id = field("collectionid");
  const name = field("name");
  return `${typeof id === "string" ? id : "?"}${typeof name === "string" ? ` "${name}"` : ""}`;
}

function signInFix(auth: AdminServiceAuth): string {
  if (auth.mode === "entra-user")
    return "Sign the administrative user in again (collection-sync adminservice sign-in); its refresh token was revoked or expired.";
  if (auth.mode === "entra-app")
    return "Check ADMINSERVICE_SCOPE (the ConfigMgr server app's Application ID URI + /.default) and that the app's identity can get tokens here.";
  if (auth.mode === "negotiate") return "Check the keytab (klist -k) and that the KDC is reachable; a password change of the account invalidates the keytab.";
  return NEEDS_ROLE(auth);
}

function readFix(error: unknown): string {
  if (error instanceof SourceReadError && error.kind === "timeout")
    return "The SMS Provider is slow or overloaded: check its IIS and WMI health, then try again.";
  if (error instanceof AdminServiceStatusError && error.status >= 500)
    return "The SMS Provider failed the request: see its AdminService log (adminservice.log on the SMS Provider).";
  return "Check that ADMINSERVICE_URL is the AdminService root and that the SMS Provider's AdminService is running.";
}

/** `SMS_R_System?$select=ResourceID,AADDeviceID&$top=1`: a site without the property answers 400 naming it, or leaves it out. */
async function aadDeviceIdCheck(http: AdminServiceHttp, urls: AdminServiceUrls): Promise<DiagnosticCheck> {
  const fix =
    "ConfigMgr records AADDeviceID for clients on Entra-joined or hybrid-joined devices once the site is connected to Entra ID (Azure Services > Cloud Management, current branch): without it no device can be matched to Entra.";
  let body: unknown;
  try {
    body = await http.getJson(urls.firstRecord("SMS_R_System", ["ResourceID", "AADDeviceID"]), () => undefined);
  } catch (error) {
    if (error instanceof AdminServiceStatusError && error.status === 400 && /AADDeviceID/i.test(error.message)) {
      return failed(AAD_DEVICE_ID, `this site's SMS_R_System has no AADDeviceID property (${errorLine(error)})`, fix);
    }
    return failed(AAD_DEVICE_ID, errorLine(error), readFix(error));
  }
  let row: unknown;
  try {
    row = keyedEntity(body, "SMS_R_System");
  } catch (error) {
    return failed(AAD_DEVICE_ID, errorLine(error), readFix(error));
  }
  if (row === null || typeof row !== "object") return notApplicable(AAD_DEVICE_ID, "SMS_R_System holds no records yet");
  const entry = Object.entries(row).find(([key]) => key.toLowerCase() === "aaddeviceid");
  if (entry === undefined) return failed(AAD_DEVICE_ID, "the AdminService answered SMS_R_System records without AADDeviceID", fix);
  const value = typeof entry[1] === "string" && entry[1].trim() !== "" ? "has an Entra device id" : "has none (that device is not Entra-joined)";
  return passed(AAD_DEVICE_ID, `present; the first record ${value}`);
}

const collectionName = (collectionId: string) => `Collection ${collectionId}`;

async function mappedCollectionCheck(source: MembershipSource, auth: AdminServiceAuth, collectionId: string): Promise<DiagnosticCheck> {
  const name = collectionName(collectionId);
  try {
    const info = await source.getCollection(collectionId);
    if (info === null) {
      return failed(
        name,
        "not found in ConfigMgr",
        `The collection was deleted, or it is outside the security scopes of ${auth.identity()}: point the mapping at an existing collection, or add the collection to the identity's scopes.`,
      );
    }
    return passed(name, `"${info.name}": ${info.type} collection, ${info.memberCount} members`);
  } catch (error) {
    if (error instanceof AdminServiceAccessDeniedError) return failed(name, `the AdminService answered ${error.status}`, NEEDS_ROLE(auth));
    return failed(name, errorLine(error), readFix(error));
  }
}

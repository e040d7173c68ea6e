import { apiRootOf } from "../collector/appClient.js";
import { AppRequestError, type AppAuth, type CollectorAppClient, type MappedCollections } from "../collector/appClient.js";
import { adminServiceChecks, type AdminServiceDoctorDeps } from "./adminServiceChecks.js";
import { diagnosisOf, errorLine, failed, notApplicable, passed, type DiagnosticCheck, type Diagnosis } from "./diagnosis.js";
import { reach, reachFix } from "./httpReach.js";
import { readTokenClaims } from "./tokenClaims.js";

/** What a collector host's diagnosis reaches: the app it uploads to, and the AdminService it reads. */
export interface CollectorDoctorDeps {
  /** COLLECTOR_APP_URL. */
  readonly appUrl: string;
  /** The collector's client for the app (without retries: a diagnosis reports, it does not wait out outages). */
  readonly app: CollectorAppClient;
  readonly appAuth: AppAuth;
  readonly adminService: Omit<AdminServiceDoctorDeps, "mappedCollections">;
  readonly fetchImpl?: typeof fetch;
}

const REACHABLE = "App reachable";
const TOKEN = "Collector token";
const ACCEPTS = "App accepts the collector";
const ROLE = "Snapshots.Write";
const ASSIGN_ROLE = `Assign the app role ${ROLE} of the app's registration to the collector's identity (docs/collector.md "The Entra identity"); tokens are cached, so a new assignment can take an hour to show.`;

/**
 * `collection-sync doctor` on a collector host (COLLECTOR_APP_URL set): the app is reachable, the collector's
 * token for it carries Snapshots.Write (or serve takes its API_KEY), the app takes snapshots, and the
 * AdminService with every collection the app says is mapped.
 */
export async function diagnoseCollector(deps: CollectorDoctorDeps): Promise<Diagnosis> {
  const mappedUrl = `${apiRootOf(deps.appUrl)}/collections/mapped`;
  const answer = await reach(mappedUrl, deps.fetchImpl === undefined ? {} : { fetchImpl: deps.fetchImpl });
  const checks: DiagnosticCheck[] = [];
  let mapped: MappedCollections | null = null;
  if (answer.kind === "unreachable") {
    checks.push(
      failed(REACHABLE, `${new URL(mappedUrl).host}: ${answer.code ?? answer.message}`, reachFix(answer.layer, new URL(mappedUrl), "COLLECTOR_APP_URL")),
    );
    checks.push(await tokenCheck(deps.appAuth), notApplicable(ACCEPTS, "not checked: the app cannot be reached"));
  } else {
    checks.push(passed(REACHABLE, `${new URL(mappedUrl).host} answered HTTP ${answer.status} in ${answer.ms} ms without credentials`));
    checks.push(await tokenCheck(deps.appAuth));
    const accepted = await acceptsCheck(deps);
    checks.push(accepted.check);
    mapped = accepted.mapped;
  }
  const collections = mapped?.items.map((item) => item.collectionId) ?? [];
  const source = await adminServiceChecks({ ...deps.adminService, mappedCollections: collections });
  return diagnosisOf([...checks, ...source]);
}

async function tokenCheck(auth: AppAuth): Promise<DiagnosticCheck> {
  if (auth.kind === "api-key") return notApplicable(TOKEN, "the collector sends API_KEY (collection-sync serve) instead of a token");
  if (auth.kind === "none" || auth.token === undefined) return notApplicable(TOKEN, "a loopback collection-sync serve takes calls without credentials");
  let token: string;
  try {
    token = await auth.token();
  } catch (error) {
    return failed(
      TOKEN,
      `no token for ${auth.scope ?? "the app"}: ${errorLine(error)}`,
      "DefaultAzureCredential needs an identity here: an Azure Arc-enabled server's managed identity, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_CERTIFICATE_PATH for an app registration (docs/collector.md). Check COLLECTOR_APP_ID_URI too.",
    );
  }
  const claims = readTokenClaims(token);
  if (claims === null) return notApplicable(TOKEN, `a token for ${auth.scope ?? "the app"} that is not a JWT: its roles cannot be read`);
  const who = claims.subject ?? claims.appId ?? "an unnamed identity";
  if (!claims.roles.includes(ROLE)) {
    const has = claims.roles.length === 0 ? "none" : claims.roles.join(", ");
    return failed(TOKEN, `the token for ${auth.scope ?? "the app"} as ${who} lacks the app role ${ROLE} (it has: ${has})`, ASSIGN_ROLE);
  }
  return passed(TOKEN, `a token for ${auth.scope ?? "the app"} as ${who} carrying ${ROLE}`);
}

async function acceptsCheck(deps: CollectorDoctorDeps): Promise<{ check: DiagnosticCheck; mapped: MappedCollections | null }> {
  try {
    const mapped = await deps.app.mapped();
    if (mapped.sourceMode !== "pushed") {
      return {
        check: failed(
          ACCEPTS,
          `the app reads the AdminService itself (SOURCE_MODE=${mapped.sourceMode}) and refuses snapshots`,
          "Set SOURCE_MODE=pushed on the app, or stop the collector.",
        ),
        mapped,
      };
    }
    const via = deps.appAuth.kind === "api-key" ? "API_KEY accepted; " : "";
    return {
      check: passed(ACCEPTS, `${via}${mapped.items.length} mapped collection(s): ${mapped.items.map((i) => i.collectionId).join(", ") || "none yet"}`),
      mapped,
    };
  } catch (error) {
    if (error instanceof AppRequestError && error.status === 401) {
      const fix =
        deps.appAuth.kind === "api-key"
          ? "API_KEY must be the same key collection-sync serve was started with."
          : "COLLECTOR_APP_ID_URI must be the app's Application ID URI (api://<API_CLIENT_ID>), and the app's Authentication must accept tokens for it.";
      return { check: failed(ACCEPTS, `the app refused the collector's credentials (401)`, fix), mapped: null };
    }
    if (error instanceof AppRequestError && error.status === 403)
      return { check: failed(ACCEPTS, "the app answered 403: the collector's identity lacks the role the upload needs", ASSIGN_ROLE), mapped: null };
    return { check: failed(ACCEPTS, errorLine(error), "Check COLLECTOR_APP_URL (the app's root URL or its /api address) and the app's health."), mapped: null };
  }
}

import type { TokenCredential } from "@azure/identity";
import pMap from "p-map";
import { GroupNotWritableError, type GroupRefusal } from "../errors.js";
import type { DirectoryProvider } from "../core/ports/directory.js";
import { graphScopeFor } from "../graph/tokenMiddleware.js";
import type { Mapping } from "../core/mapping.js";
import { checkGroup } from "../mappings/targetChecks.js";
import { errorLine, failed, notApplicable, passed, type DiagnosticCheck } from "./diagnosis.js";
import { readTokenClaims, type TokenClaims } from "./tokenClaims.js";

export interface GraphDoctorDeps {
  /** GRAPH_BASE_URL: decides the token's scope, as for the sync. */
  readonly baseUrl: string;
  /** The credential the sync uses per tenant (null tenant = home); null = no token (the loopback simulator). */
  readonly credentialFor: (tenantId: string | null) => TokenCredential | null;
  readonly directories: DirectoryProvider;
  /** Enabled mappings: they decide which roles are needed and which groups are checked. */
  readonly mappings: readonly Mapping[];
}

/** docs/deploy.md "Microsoft Graph permissions": what each kind of mapping needs, and nothing wider. */
const ALWAYS = "GroupMember.ReadWrite.All";
const FOR_DEVICES = "Device.ReadWrite.All";
const FOR_USERS = "User.Read.All";
const TOO_BROAD = (role: string) => role === "Group.ReadWrite.All" || role === "Directory.ReadWrite.All" || role.startsWith("RoleManagement.");
const GRANT =
  "Grant them to the app's identity as application permissions (infra/grant-graph-permissions.sh); tokens are cached for up to 24 h, so a new grant shows up late.";

/**
 * Graph per tenant the mappings write to: a token can be had, its `roles` claim holds the app roles the
 * mappings need, and each mapped group still exists and can still take members from us (groupEligibility.ts).
 */
export async function graphChecks(deps: GraphDoctorDeps): Promise<DiagnosticCheck[]> {
  const tenants = [null, ...new Set(deps.mappings.map((m) => m.tenantId).filter((t): t is string => t !== null))];
  const checks: DiagnosticCheck[] = [];
  for (const tenantId of tenants) {
    const mappings = deps.mappings.filter((m) => m.tenantId === tenantId);
    const token = await tokenChecks(deps, tenantId, mappings);
    checks.push(...token.checks);
    checks.push(...(await groupChecks(deps.directories, tenantId, mappings, token.usable)));
  }
  return checks;
}

const inTenant = (name: string, tenantId: string | null) => (tenantId === null ? name : `${name} (tenant ${tenantId})`);

async function tokenChecks(
  deps: GraphDoctorDeps,
  tenantId: string | null,
  mappings: readonly Mapping[],
): Promise<{ checks: DiagnosticCheck[]; usable: boolean }> {
  const tokenName = inTenant("Graph token", tenantId);
  const rolesName = inTenant("Graph app roles", tenantId);
  let credential: TokenCredential | null;
  try {
    credential = deps.credentialFor(tenantId);
  } catch (error) {
    return {
      checks: [
        failed(tokenName, errorLine(error), "Set MULTITENANT_CLIENT_ID to the multi-tenant app registration consented in that tenant (docs/deploy.md)."),
      ],
      usable: false,
    };
  }
  if (credential === null) {
    const why = "the loopback simulated tenant issues no tokens";
    return {
      checks: [notApplicable(tokenName, `${why}: Graph is called without one`), notApplicable(rolesName, `${why}: no roles claim to read`)],
      usable: true,
    };
  }
  const scope = graphScopeFor(new URL(deps.baseUrl));
  let token: string;
  try {
    const answer = await credential.getToken(scope, tenantId === null ? {} : { tenantId });
    if (answer === null) throw new Error(`the credential returned no token for ${scope}`);
    token = answer.token;
  } catch (error) {
    const fix =
      tenantId === null
        ? "In Azure the app's managed identity must be assigned to the function app (AZURE_CLIENT_ID names a user-assigned one); on a workstation sign in with az login."
        : `The multi-tenant app (MULTITENANT_CLIENT_ID) must be consented in tenant ${tenantId}, and its federated credential or certificate must be valid.`;
    return { checks: [failed(tokenName, `no token for ${scope}: ${errorLine(error)}`, fix)], usable: false };
  }
  const claims = readTokenClaims(token);
  if (claims === null) {
    return {
      checks: [passed(tokenName, `a token for ${scope} (not a JWT)`), notApplicable(rolesName, "the token is not a JWT: its roles cannot be read")],
      usable: true,
    };
  }
  const who = `${claims.subject ?? "an unnamed identity"}${claims.appId === null || claims.subject === claims.appId ? "" : ` (app ${claims.appId})`}`;
  return {
    checks: [
      passed(tokenName, `a token for ${scope} as ${who}${claims.tenantId === null ? "" : ` in tenant ${claims.tenantId}`}`),
      ...roleChecks(rolesName, claims, mappings, tenantId),
    ],
    usable: true,
  };
}

function roleChecks(name: string, claims: TokenClaims, mappings: readonly Mapping[], tenantId: string | null): DiagnosticCheck[] {
  if (claims.roles.length === 0 && claims.scopes.length > 0) {
    return [
      notApplicable(
        name,
        `a delegated token of ${claims.subject ?? "a user"} (scopes ${claims.scopes.join(" ")}): app roles belong to the app's own identity — check them where the app runs (GET /api/health?verbose=true)`,
      ),
    ];
  }
  const devices = mappings.filter((m) => m.memberType === "device").length;
  const users = mappings.length - devices;
  const needed = [ALWAYS, ...(devices > 0 ? [FOR_DEVICES] : []), ...(users > 0 ? [FOR_USERS] : [])];
  const missing = needed.filter((role) => !claims.roles.includes(role));
  const has = claims.roles.length === 0 ? "none" : [...claims.roles].sort().join(", ");
  const why = `${devices} device and ${users} user mapping${users === 1 ? "" : "s"}${tenantId === null ? "" : " in this tenant"}`;
  const checks: DiagnosticCheck[] = [];
  if (missing.length > 0) {
    const readOnly =
      missing.includes(FOR_DEVICES) && claims.roles.includes("Device.Read.All")
        ? " Device.Read.All is not enough: Graph adds a device to a group only if the app may write the device."
        : "";
    checks.push(failed(name, `missing ${missing.join(", ")} (needed for ${why}; the token has: ${has})`, `${GRANT}${readOnly}`));
  } else {
    checks.push(passed(name, `${needed.join(", ")} (needed for ${why})`));
  }
  const broad = claims.roles.filter(TOO_BROAD);
  if (broad.length > 0) {
    checks.push(
      failed(
        inTenant("Graph least privilege", tenantId),
        `the token also carries ${broad.join(", ")}`,
        "Remove these app role assignments: with them the app could change role-assignable and every other group; collection-sync needs only the roles above.",
      ),
    );
  }
  return checks;
}

async function groupChecks(directories: DirectoryProvider, tenantId: string | null, mappings: readonly Mapping[], usable: boolean): Promise<DiagnosticCheck[]> {
  return pMap(
    mappings,
    async (mapping): Promise<DiagnosticCheck> => {
      const name = inTenant(`Group ${mapping.groupId} ← ${mapping.collectionId}`, tenantId);
      if (!usable) return notApplicable(name, "not checked: no Graph token for this tenant");
      try {
        const group = await checkGroup(directories, tenantId, mapping.groupId, mapping.memberType);
        return passed(name, `"${group.displayName}": an assigned security group that can take ${mapping.memberType}s`);
      } catch (error) {
        if (error instanceof GroupNotWritableError) return failed(name, error.message, GROUP_FIXES[error.reason]);
        return failed(name, errorLine(error), "Check the Graph token and app roles above, and that Graph can be reached from here.");
      }
    },
    { concurrency: 4 },
  );
}

const ANOTHER_GROUP = "or point the mapping at an assigned, cloud-only security group (collection-sync mappings remove, then mappings add).";
const GROUP_FIXES: Record<GroupRefusal, string> = {
  "group-not-found": `The group was deleted: restore it (Entra keeps deleted groups for 30 days), ${ANOTHER_GROUP}`,
  "dynamic-membership": `Set the group's membership type back to Assigned in Entra, ${ANOTHER_GROUP}`,
  "on-premises-synced": `Its members can only be changed in Active Directory: ${ANOTHER_GROUP.replace(/^or /, "")}`,
  "mail-enabled": `Graph cannot change a mail-enabled group's members: ${ANOTHER_GROUP.replace(/^or /, "")}`,
  "microsoft-365-group": `Microsoft 365 groups take no devices: ${ANOTHER_GROUP.replace(/^or /, "")}`,
  "role-assignable": `collection-sync leaves role-assignable groups alone on purpose: ${ANOTHER_GROUP.replace(/^or /, "")}`,
  "not-security-enabled": `Intune, Conditional Access and app assignment need a security group: ${ANOTHER_GROUP.replace(/^or /, "")}`,
};

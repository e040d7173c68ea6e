import { describe, expect, it } from "vitest";
import { readRepoFile } from "./support/bicep.js";
import { runScript, type FakeCall, type FakeRoute } from "./support/scriptRunner.js";

const SCRIPT = "infra/scripts/create-api-app.sh";
const API = "https://graph.microsoft.com/v1.0";
const OBJECT_ID = "c0ffee00-0000-4000-8000-000000000001";
const CLIENT_ID = "c11e4700-0000-4000-8000-000000000002";
const AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const HOOK_ENV: Readonly<Record<string, string>> = {
  AZURE_ENV_NAME: "dev",
  ADMINSERVICE_URL: "https://cmg.contoso.com/CCM_Proxy_MutualAuth/1/AdminService",
  ADMINSERVICE_AUTH: "entra-user",
  ADMINSERVICE_SCOPE: "api://cm/.default",
  ADMINSERVICE_CLIENT_ID: "c11e4700-0000-4000-8000-000000000009",
};

function routes(uniqueName: string): FakeRoute[] {
  const byName = `${API}/applications(uniqueName='${uniqueName}')`;
  return [
    { method: "patch", url: byName, response: {} },
    { method: "get", url: `${byName}?$select=id`, response: { id: OBJECT_ID } },
    { method: "get", url: `${byName}?$select=appId`, response: { appId: CLIENT_ID } },
    { method: "patch", url: `${API}/applications/${OBJECT_ID}`, response: {} },
    { method: "patch", url: `${API}/servicePrincipals(appId='${CLIENT_ID}')`, response: {} },
  ];
}

const patches = (calls: readonly FakeCall[]) => calls.filter((call) => call.method === "patch");
type Body = Record<string, unknown> & {
  appRoles?: { id: string; value: string; allowedMemberTypes: string[]; isEnabled: boolean }[];
  api?: {
    requestedAccessTokenVersion: number;
    oauth2PermissionScopes: { id: string }[];
    preAuthorizedApplications: { appId: string; delegatedPermissionIds: string[] }[];
  };
};
const bodyOf = (call: FakeCall | undefined) => (call?.body ?? {}) as Body;

describe("registering the API app (infra/scripts/create-api-app.sh)", () => {
  it("creates the registration with the app roles Mappings.Read and Mappings.ReadWrite for people and automation, and Snapshots.Write for collectors", () => {
    const result = runScript(SCRIPT, ["collection-sync-api-test"], { routes: routes("collection-sync-api-test") });
    expect(result.status, result.stderr).toBe(0);
    const [upsert] = patches(result.calls);
    expect(upsert?.headers).toContain("Prefer=create-if-missing");
    const roles = bodyOf(upsert).appRoles ?? [];
    expect(roles.map((role) => role.value)).toEqual(["Mappings.Read", "Mappings.ReadWrite", "Snapshots.Write"]);
    for (const role of roles.slice(0, 2)) expect(role.allowedMemberTypes.sort()).toEqual(["Application", "User"]);
    // A collector is a machine identity (Azure Arc, or an app registration with a certificate), never a person.
    expect(roles[2]?.allowedMemberTypes).toEqual(["Application"]);
    expect(new Set(roles.map((role) => role.id)).size).toBe(3);
    expect(bodyOf(upsert).signInAudience).toBe("AzureADMyOrg");
    expect(result.stdout).toContain(`API_CLIENT_ID (apiClientId) = ${CLIENT_ID}`);
  });

  it("asks for v2 tokens, names the API api://<client id> and lets the Azure CLI get a token for it", () => {
    const result = runScript(SCRIPT, ["collection-sync-api-test"], { routes: routes("collection-sync-api-test") });
    expect(result.status, result.stderr).toBe(0);
    const update = patches(result.calls).find((call) => call.url === `${API}/applications/${OBJECT_ID}`);
    const body = bodyOf(update);
    expect(body.identifierUris).toEqual([`api://${CLIENT_ID}`]);
    expect(body.api?.requestedAccessTokenVersion).toBe(2);
    const scopeId = body.api?.oauth2PermissionScopes[0]?.id;
    expect(body.api?.preAuthorizedApplications).toEqual([{ appId: AZURE_CLI, delegatedPermissionIds: [scopeId] }]);
  });

  it("gives tokens only to people and apps that hold one of the roles", () => {
    const result = runScript(SCRIPT, ["collection-sync-api-test"], { routes: routes("collection-sync-api-test") });
    const principal = patches(result.calls).find((call) => call.url === `${API}/servicePrincipals(appId='${CLIENT_ID}')`);
    expect(principal?.headers).toContain("Prefer=create-if-missing");
    expect(bodyOf(principal)).toEqual({ appRoleAssignmentRequired: true });
  });

  it("as the azd preprovision hook, names the registration after the environment and stores API_CLIENT_ID", () => {
    const result = runScript(SCRIPT, [], { routes: routes("collection-sync-api-dev"), env: HOOK_ENV, withAzd: true });
    expect(result.status, result.stderr).toBe(0);
    expect(bodyOf(patches(result.calls)[0]).displayName).toBe("collection-sync API (dev)");
    expect(result.calls.filter((call) => call.tool === "azd").map((call) => call.args)).toEqual([["env", "set", "API_CLIENT_ID", CLIENT_ID]]);
  });

  it.each(["ADMINSERVICE_URL", "ADMINSERVICE_AUTH", "ADMINSERVICE_SCOPE", "ADMINSERVICE_CLIENT_ID"])(
    "stops an entra-user deployment before anything is created when %s is not set",
    (missing) => {
      const env: Record<string, string> = { ...HOOK_ENV };
      delete env[missing];
      const result = runScript(SCRIPT, [], { routes: routes("collection-sync-api-dev"), env, withAzd: true });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`azd env set ${missing}`);
      expect(result.calls).toEqual([]);
    },
  );

  it("stops azd when ADMINSERVICE_AUTH is not one of the three modes", () => {
    const result = runScript(SCRIPT, [], { routes: routes("collection-sync-api-dev"), env: { ...HOOK_ENV, ADMINSERVICE_AUTH: "kerberos" }, withAzd: true });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("azd env set ADMINSERVICE_AUTH negotiate");
    expect(result.calls).toEqual([]);
  });

  it("asks negotiate for no Entra scope or sign-in client: Kerberos sends no Entra token", () => {
    const { ADMINSERVICE_SCOPE: _scope, ADMINSERVICE_CLIENT_ID: _client, ...rest } = HOOK_ENV;
    const result = runScript(SCRIPT, [], { routes: routes("collection-sync-api-dev"), env: { ...rest, ADMINSERVICE_AUTH: "negotiate" }, withAzd: true });
    expect(result.status, result.stderr).toBe(0);
  });

  it("asks entra-app for the scope but not for a sign-in client", () => {
    const { ADMINSERVICE_CLIENT_ID: _client, ...rest } = HOOK_ENV;
    const withScope = runScript(SCRIPT, [], { routes: routes("collection-sync-api-dev"), env: { ...rest, ADMINSERVICE_AUTH: "entra-app" }, withAzd: true });
    expect(withScope.status, withScope.stderr).toBe(0);
    const { ADMINSERVICE_SCOPE: _scope, ...noScope } = rest;
    const without = runScript(SCRIPT, [], { routes: routes("collection-sync-api-dev"), env: { ...noScope, ADMINSERVICE_AUTH: "entra-app" }, withAzd: true });
    expect(without.status).toBe(1);
    expect(without.stderr).toContain("azd env set ADMINSERVICE_SCOPE");
  });

  it("keeps the same role and scope ids on every run and in the PowerShell twin, so a re-run updates in place", () => {
    const first = bodyOf(patches(runScript(SCRIPT, ["a"], { routes: routes("a") }).calls)[0]);
    const second = bodyOf(patches(runScript(SCRIPT, ["a"], { routes: routes("a") }).calls)[0]);
    const ids = (body: Body) => [...(body.appRoles ?? []).map((role) => role.id), ...(body.api?.oauth2PermissionScopes ?? []).map((scope) => scope.id)];
    expect(ids(second)).toEqual(ids(first));
    const powershell = readRepoFile("infra/scripts/create-api-app.ps1");
    for (const id of ids(first)) expect(powershell).toContain(`'${id}'`);
  });

  describe("in pushed mode (azd env set SOURCE_MODE pushed)", () => {
    const PUSHED_ENV = { AZURE_ENV_NAME: "dev", SOURCE_MODE: "pushed" };
    const COLLECTOR_CLIENT = "c011ec70-0000-4000-8000-000000000003";
    const COLLECTOR_SP = "c011ec70-0000-4000-8000-000000000004";
    const API_SP = "a9150000-0000-4000-8000-000000000005";
    const SNAPSHOTS_WRITE = "36ecf3d5-e45e-480a-9c4f-3056f1355ff1";
    function pushedRoutes(assigned: { principalId: string; appRoleId: string; id: string }[] = []): FakeRoute[] {
      const collector = `${API}/applications(uniqueName='collection-sync-collector-dev')`;
      return [
        ...routes("collection-sync-api-dev"),
        { method: "patch", url: collector, response: {} },
        { method: "get", url: `${collector}?$select=appId`, response: { appId: COLLECTOR_CLIENT } },
        { method: "patch", url: `${API}/servicePrincipals(appId='${COLLECTOR_CLIENT}')`, response: {} },
        { method: "get", url: `${API}/servicePrincipals(appId='${COLLECTOR_CLIENT}')?$select=id`, response: { id: COLLECTOR_SP } },
        { method: "get", url: `${API}/servicePrincipals(appId='${CLIENT_ID}')?$select=id`, response: { id: API_SP } },
        { method: "get", url: `${API}/servicePrincipals/${API_SP}/appRoleAssignedTo`, response: { value: assigned } },
        { method: "post", url: `${API}/servicePrincipals/${API_SP}/appRoleAssignedTo`, response: {} },
      ];
    }

    it("asks nothing about the AdminService: no ADMINSERVICE_URL or ADMINSERVICE_AUTH needed", () => {
      const result = runScript(SCRIPT, [], { routes: pushedRoutes(), env: PUSHED_ENV, withAzd: true });
      expect(result.status, result.stderr).toBe(0);
    });

    it("creates the collector's own registration and gives it Snapshots.Write on the API, and nothing else", () => {
      const result = runScript(SCRIPT, [], { routes: pushedRoutes(), env: PUSHED_ENV, withAzd: true });
      expect(result.status, result.stderr).toBe(0);
      const upsert = patches(result.calls).find((call) => call.url?.includes("collection-sync-collector-dev"));
      expect(upsert?.headers).toContain("Prefer=create-if-missing");
      expect(bodyOf(upsert)).toEqual({ displayName: "collection-sync collector (dev)", signInAudience: "AzureADMyOrg" });
      const grants = result.calls.filter((call) => call.method === "post");
      expect(grants.map((call) => call.body)).toEqual([{ principalId: COLLECTOR_SP, resourceId: API_SP, appRoleId: SNAPSHOTS_WRITE }]);
      const stored = result.calls.filter((call) => call.tool === "azd").map((call) => call.args);
      expect(stored).toEqual([
        ["env", "set", "API_CLIENT_ID", CLIENT_ID],
        ["env", "set", "COLLECTOR_CLIENT_ID", COLLECTOR_CLIENT],
      ]);
    });

    it("finds the collector and its role again on a re-run, granting nothing twice", () => {
      const held = [{ principalId: COLLECTOR_SP, appRoleId: SNAPSHOTS_WRITE, id: "assignment-1" }];
      const result = runScript(SCRIPT, [], { routes: pushedRoutes(held), env: PUSHED_ENV, withAzd: true });
      expect(result.status, result.stderr).toBe(0);
      expect(result.calls.filter((call) => call.method === "post")).toEqual([]);
    });

    it("uses a principal the operator names (an Azure Arc machine identity) instead of creating a registration", () => {
      const arc = "a7c00000-0000-4000-8000-000000000006";
      const result = runScript(SCRIPT, [], { routes: pushedRoutes(), env: { ...PUSHED_ENV, COLLECTOR_PRINCIPAL_ID: arc }, withAzd: true });
      expect(result.status, result.stderr).toBe(0);
      expect(result.calls.filter((call) => call.url?.includes("collection-sync-collector"))).toEqual([]);
      expect(result.calls.filter((call) => call.method === "post").map((call) => call.body?.principalId)).toEqual([arc]);
    });

    it("creates no collector identity in adminservice mode", () => {
      const result = runScript(SCRIPT, [], { routes: routes("collection-sync-api-dev"), env: HOOK_ENV, withAzd: true });
      expect(result.status, result.stderr).toBe(0);
      expect(result.calls.filter((call) => call.url?.includes("collector") || call.method === "post")).toEqual([]);
    });

    it("stops on a SOURCE_MODE the app does not know", () => {
      const result = runScript(SCRIPT, [], { routes: pushedRoutes(), env: { ...PUSHED_ENV, SOURCE_MODE: "push" }, withAzd: true });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("azd env set SOURCE_MODE");
      expect(result.calls).toEqual([]);
    });

    it("does the same in the PowerShell twin (pwsh is not installed here: the same steps are checked by reading it)", () => {
      const powershell = readRepoFile("infra/scripts/create-api-app.ps1");
      expect(powershell).toContain("'pushed' { }");
      expect(powershell).toContain("collection-sync-collector-$envName");
      expect(powershell).toMatch(/appRoleAssignedTo" -Body @\{\s*principalId = \$collectorSp; resourceId = \$apiSp; appRoleId = \$RoleSnapshotsId/);
      expect(powershell).toContain("azd env set COLLECTOR_CLIENT_ID");
    });
  });
});

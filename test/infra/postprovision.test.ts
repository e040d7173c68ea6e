import { describe, expect, it } from "vitest";
import { readRepoFile } from "./support/bicep.js";
import { runScript, type FakeRoute } from "./support/scriptRunner.js";

const SCRIPT = "infra/scripts/postprovision.sh";
const API = "https://graph.microsoft.com/v1.0";
const GRAPH_SP = "9a1c0d2e-0000-4000-8000-00000000a001";
const IDENTITY = "5b7e2f10-0000-4000-8000-00000000b002";
const PERMISSIONS = [
  { id: "dbaae8cf-10b5-4b86-a4a1-f871c94c6695", value: "GroupMember.ReadWrite.All", allowedMemberTypes: ["Application"] },
  { id: "1138cb37-bd11-4084-a2b7-9f71582aeddb", value: "Device.ReadWrite.All", allowedMemberTypes: ["Application"] },
  { id: "df021288-bdef-4463-88db-98f22de89214", value: "User.Read.All", allowedMemberTypes: ["Application"] },
];
/** The identity already holds its three Graph permissions: the grant changes nothing. */
const GRANTED: FakeRoute[] = [
  { method: "get", url: `${API}/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id`, response: { id: GRAPH_SP } },
  { method: "get", url: `${API}/servicePrincipals/${GRAPH_SP}?$select=appRoles`, response: { appRoles: PERMISSIONS } },
  {
    method: "get",
    url: `${API}/servicePrincipals/${IDENTITY}/appRoleAssignments`,
    response: { value: PERMISSIONS.map((p) => ({ appRoleId: p.id, resourceId: GRAPH_SP, principalId: IDENTITY })) },
  },
];
const PUSHED = {
  SOURCE_MODE: "pushed",
  AZURE_IDENTITY_PRINCIPAL_ID: IDENTITY,
  AZURE_FUNCTION_APP_URL: "https://func-csync-abc.azurewebsites.net",
  API_CLIENT_ID: "c11e4700-0000-4000-8000-000000000002",
  AZURE_TENANT_ID: "7e4a0000-0000-4000-8000-000000000001",
  COLLECTOR_CLIENT_ID: "c011ec70-0000-4000-8000-000000000003",
};
const version = (JSON.parse(readRepoFile("package.json")) as { version: string }).version;

describe("after provisioning (infra/scripts/postprovision.sh, the azd postprovision hook)", () => {
  it("in pushed mode prints the exact install-collector.ps1 command line, filled in from the azd environment", () => {
    const result = runScript(SCRIPT, [], { routes: GRANTED, env: PUSHED });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `.\\install-collector.ps1 -AppUrl https://func-csync-abc.azurewebsites.net -AppIdUri api://${PUSHED.API_CLIENT_ID} -TenantId ${PUSHED.AZURE_TENANT_ID} -ClientId ${PUSHED.COLLECTOR_CLIENT_ID} \``,
    );
    expect(result.stdout).toContain(`-Package .\\collection-sync-${version}.tgz`);
    expect(result.stdout).toContain(`az ad app credential reset --id ${PUSHED.COLLECTOR_CLIENT_ID} --cert @collector.cer --append`);
  });

  it("names every parameter the installer requires, and only parameters it has", () => {
    const result = runScript(SCRIPT, [], { routes: GRANTED, env: PUSHED });
    const printed = [...result.stdout.matchAll(/ -([A-Z]\w+) /g)].map((match) => match[1] ?? "");
    const installer = readRepoFile("infra/scripts/install-collector.ps1");
    const declared = [...installer.matchAll(/\[(?:string|int|switch)\] \$(\w+)/g)].map((match) => match[1] ?? "");
    const mandatory = [...installer.matchAll(/\[Parameter\(Mandatory\)\][^$\n]*\$(\w+)/g)].map((match) => match[1] ?? "");
    expect(printed.filter((name) => !declared.includes(name))).toEqual([]);
    expect(mandatory.filter((name) => !printed.includes(name))).toEqual([]);
  });

  it("still prints it when the Graph grant fails (no Privileged Role Administrator), and then fails the hook", () => {
    const result = runScript(SCRIPT, [], { routes: [], env: PUSHED });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain(".\\install-collector.ps1 -AppUrl");
  });

  it("prints nothing about a collector in adminservice mode", () => {
    const result = runScript(SCRIPT, [], { routes: GRANTED, env: { ...PUSHED, SOURCE_MODE: "adminservice" } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("install-collector");
  });
});

import { describe, expect, it } from "vitest";
import { readRepoFile } from "./support/bicep.js";
import { runScript, type FakeCall, type FakeRoute } from "./support/scriptRunner.js";

/** docs/service-facts.md "Microsoft Graph: permissions": exactly these application permissions on Microsoft Graph. */
const NEEDED = ["GroupMember.ReadWrite.All", "Device.ReadWrite.All", "User.Read.All"];
/** Wider permissions that would open role-assignable groups or the whole directory. */
const FORBIDDEN = [/\bGroup\.ReadWrite\.All\b/, /\bDirectory\.ReadWrite\.All\b/, /\bRoleManagement\.[\w.]+/];
const GRANTERS = ["infra/grant-graph-permissions.sh", "infra/grant-graph-permissions.ps1", "infra/graph/graph-permissions.bicep"];

const SCRIPT = "infra/grant-graph-permissions.sh";
const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
const GRAPH_SP = "9a1c0d2e-0000-4000-8000-00000000a001";
const IDENTITY = "5b7e2f10-0000-4000-8000-00000000b002";

/** A few of Graph's real application permissions (ids as published by Microsoft Graph). */
const GRAPH_APP_ROLES = [
  { id: "dbaae8cf-10b5-4b86-a4a1-f871c94c6695", value: "GroupMember.ReadWrite.All", allowedMemberTypes: ["Application"] },
  { id: "1138cb37-bd11-4084-a2b7-9f71582aeddb", value: "Device.ReadWrite.All", allowedMemberTypes: ["Application"] },
  { id: "df021288-bdef-4463-88db-98f22de89214", value: "User.Read.All", allowedMemberTypes: ["Application"] },
  { id: "62a82d76-70ea-41e2-9197-370581804d09", value: "Group.ReadWrite.All", allowedMemberTypes: ["Application"] },
  // A delegated-only permission with a matching name must never be picked.
  { id: "0e263e50-5827-48a4-b97c-d940288653c7", value: "Directory.AccessAsUser.All", allowedMemberTypes: ["User"] },
];
const roleIdOf = (value: string) => GRAPH_APP_ROLES.find((role) => role.value === value)?.id ?? "";

function graphRoutes(base: string, heldRoleIds: readonly string[], appRoles: readonly object[] = GRAPH_APP_ROLES): FakeRoute[] {
  const api = `${base}/v1.0`;
  return [
    { method: "get", url: `${api}/servicePrincipals(appId='${GRAPH_APP_ID}')?$select=id`, response: { id: GRAPH_SP } },
    { method: "get", url: `${api}/servicePrincipals/${GRAPH_SP}?$select=appRoles`, response: { id: GRAPH_SP, appRoles } },
    {
      method: "get",
      url: `${api}/servicePrincipals/${IDENTITY}/appRoleAssignments`,
      response: {
        value: [
          ...heldRoleIds.map((appRoleId) => ({ appRoleId, resourceId: GRAPH_SP, principalId: IDENTITY })),
          // An app role on another API is none of our business.
          { appRoleId: "00000000-0000-0000-0000-000000000000", resourceId: "11111111-2222-4333-8444-555555555555", principalId: IDENTITY },
        ],
      },
    },
    { method: "post", url: `${api}/servicePrincipals/${IDENTITY}/appRoleAssignments`, response: {} },
  ];
}

/** The permission list each granter works from: PERMISSIONS="…" (sh), $Permissions = @(…) (ps1), var permissions = […] (Bicep). */
function requestedPermissions(file: string): string[] {
  const text = readRepoFile(file);
  const list =
    /^PERMISSIONS="([^"]*)"/m.exec(text)?.[1] ?? /^\$Permissions = @\(([^)]*)\)/m.exec(text)?.[1] ?? /^var permissions = \[([^\]]*)\]/m.exec(text)?.[1];
  if (list === undefined) throw new Error(`${file} has no permission list`);
  return (list.match(/[\w.]+\.All\b/g) ?? []).sort();
}

const grants = (calls: readonly FakeCall[]) => calls.filter((call) => call.method === "post");

describe("granting the managed identity its Microsoft Graph permissions", () => {
  it.each(GRANTERS)("%s asks for exactly GroupMember.ReadWrite.All, Device.ReadWrite.All and User.Read.All", (file) => {
    expect(requestedPermissions(file)).toEqual([...NEEDED].sort());
  });

  it.each(GRANTERS)("%s never mentions a wider permission", (file) => {
    const text = readRepoFile(file);
    for (const pattern of FORBIDDEN) expect(text).not.toMatch(pattern);
  });

  it("grants all three permissions to an identity that has none", () => {
    const result = runScript(SCRIPT, [IDENTITY], { routes: graphRoutes("https://graph.microsoft.com", []) });
    expect(result.status, result.stderr).toBe(0);
    expect(grants(result.calls).map((call) => call.body)).toEqual(
      NEEDED.map((value) => ({ principalId: IDENTITY, resourceId: GRAPH_SP, appRoleId: roleIdOf(value) })),
    );
    expect(result.stdout).toContain("granted: Device.ReadWrite.All");
  });

  it("skips the permissions the identity already holds, so running it twice changes nothing", () => {
    const held = NEEDED.map(roleIdOf);
    const result = runScript(SCRIPT, [IDENTITY], { routes: graphRoutes("https://graph.microsoft.com", held) });
    expect(result.status, result.stderr).toBe(0);
    expect(grants(result.calls)).toEqual([]);
    expect(result.stdout.match(/already granted/g)).toHaveLength(3);
  });

  it("grants only what is missing", () => {
    const result = runScript(SCRIPT, [IDENTITY], { routes: graphRoutes("https://graph.microsoft.com", [roleIdOf("User.Read.All")]) });
    expect(result.status, result.stderr).toBe(0);
    expect(grants(result.calls).map((call) => call.body?.appRoleId)).toEqual([roleIdOf("GroupMember.ReadWrite.All"), roleIdOf("Device.ReadWrite.All")]);
  });

  it("names a wider Graph permission the identity already holds, without removing it", () => {
    const held = [...NEEDED.map(roleIdOf), roleIdOf("Group.ReadWrite.All")];
    const result = runScript(SCRIPT, [IDENTITY], { routes: graphRoutes("https://graph.microsoft.com", held) });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/also holds the Microsoft Graph permission Group\.ReadWrite\.All/);
    expect(result.calls.every((call) => call.method === "get")).toBe(true);
  });

  it("takes the identity from AZURE_IDENTITY_PRINCIPAL_ID, as the azd postprovision hook provides it", () => {
    const result = runScript(SCRIPT, [], {
      routes: graphRoutes("https://graph.microsoft.com", []),
      env: { AZURE_IDENTITY_PRINCIPAL_ID: IDENTITY },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(grants(result.calls)).toHaveLength(3);
  });

  it("talks to a national cloud's Graph when GRAPH_BASE_URL says so", () => {
    const result = runScript(SCRIPT, [IDENTITY], {
      routes: graphRoutes("https://graph.microsoft.us", []),
      env: { GRAPH_BASE_URL: "https://graph.microsoft.us/" },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.calls.every((call) => call.url?.startsWith("https://graph.microsoft.us/v1.0/"))).toBe(true);
  });

  it("refuses to run without the identity's principal id", () => {
    const result = runScript(SCRIPT, [], { routes: [] });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage/);
    expect(result.calls).toEqual([]);
  });

  it("stops, granting nothing, when Graph does not offer one of the permissions", () => {
    const withoutDevices = GRAPH_APP_ROLES.filter((role) => role.value !== "Device.ReadWrite.All");
    const result = runScript(SCRIPT, [IDENTITY], { routes: graphRoutes("https://graph.microsoft.com", [], withoutDevices) });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/no application permission named Device\.ReadWrite\.All/);
    expect(grants(result.calls)).toEqual([]);
  });

  it("stops when the Azure CLI call fails (unknown identity)", () => {
    const routes = graphRoutes("https://graph.microsoft.com", []).filter((route) => !route.url.endsWith("/appRoleAssignments"));
    const result = runScript(SCRIPT, [IDENTITY], { routes });
    expect(result.status).not.toBe(0);
    expect(grants(result.calls)).toEqual([]);
  });
});

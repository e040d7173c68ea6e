import { parseKeyVaultSecretIdentifier } from "@azure/keyvault-secrets";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../../shared/config/settings.js";
import { declarations, objectEntries, onlyResource, pathValue, readRepoFile, stringLiteral, stringVars, withoutComments } from "./support/bicep.js";
import { deployedAppSettings, functionAppSite, INFRA, moduleParam } from "./support/deployment.js";
import { evaluate } from "./support/bicepExpression.js";

/** Azure built-in role definition ids (Azure RBAC built-in roles reference: Security) and the mode that needs each. */
const KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const KEY_VAULT_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
/** Key Vault roles that would also work but reach keys, certificates or the vault's own permissions. */
const TOO_WIDE = {
  "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
  "Key Vault Contributor": "f25e0fa2-a7c8-4377-a976-54943a77a395",
  "Key Vault Data Access Administrator": "8b54135c-b56d-4d72-a534-26097cfdc8d8",
};

const vaultBicep = () => readRepoFile(INFRA.adminServiceVault);
const vault = () => onlyResource(vaultBicep(), "Microsoft.KeyVault/vaults");

/** `resource x '…' = if (<condition>) {` → condition text, by symbol. */
function conditions(bicep: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of withoutComments(bicep).matchAll(/^(?:resource|module)\s+(\w+)\s+'[^']+'\s*=\s*if\s*\((.+)\)\s*\{\s*$/gm)) {
    found.set(match[1] ?? "", (match[2] ?? "").trim());
  }
  return found;
}

/** `output name type = <expression>` lines, by name. */
function outputs(bicep: string): Map<string, string> {
  return new Map([...withoutComments(bicep).matchAll(/^output (\w+) \w+ = (.+)$/gm)].map((match) => [match[1] ?? "", (match[2] ?? "").trim()]));
}

const roleVar = (expression: string | undefined) =>
  /^subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', (\w+)\)$/.exec(expression ?? "")?.[1] ?? "";

function roleAssignments() {
  const bicep = vaultBicep();
  const vars = stringVars(bicep);
  const when = conditions(bicep);
  return declarations(bicep)
    .filter((d) => d.kind === "resource" && d.target === "Microsoft.Authorization/roleAssignments")
    .map((d) => {
      const roleVariable = roleVar(pathValue(d.body, "properties", "roleDefinitionId"));
      return {
        symbol: d.symbol,
        roleVariable,
        roleId: vars.get(roleVariable) ?? "unresolved",
        condition: when.get(d.symbol) ?? "true",
        name: objectEntries(d.body).get("name"),
        scope: objectEntries(d.body).get("scope"),
        principalId: pathValue(d.body, "properties", "principalId"),
        principalType: stringLiteral(pathValue(d.body, "properties", "principalType")),
      };
    });
}

describe("the AdminService Key Vault (infra/modules/adminServiceVault.bicep)", () => {
  it("authorizes with Azure RBAC only: no access policies", () => {
    expect(pathValue(vault().body, "properties", "enableRbacAuthorization")).toBe("true");
    expect(pathValue(vault().body, "properties", "accessPolicies")).toBeUndefined();
    expect(declarations(vaultBicep()).filter((d) => d.target === "Microsoft.KeyVault/vaults/accessPolicies")).toEqual([]);
  });

  it("keeps a deleted keytab or token cache recoverable: soft delete with purge protection", () => {
    expect(pathValue(vault().body, "properties", "enableSoftDelete")).toBe("true");
    expect(pathValue(vault().body, "properties", "enablePurgeProtection")).toBe("true");
    expect(Number(pathValue(vault().body, "properties", "softDeleteRetentionInDays"))).toBeGreaterThanOrEqual(7);
  });

  it("is reached the way the storage account and the Service Bus namespace are", () => {
    const storage = onlyResource(readRepoFile(INFRA.storage), "Microsoft.Storage/storageAccounts");
    const serviceBus = onlyResource(readRepoFile(INFRA.serviceBus), "Microsoft.ServiceBus/namespaces");
    const access = pathValue(vault().body, "properties", "publicNetworkAccess");
    expect(access).toBe(pathValue(storage.body, "properties", "publicNetworkAccess"));
    expect(access).toBe(pathValue(serviceBus.body, "properties", "publicNetworkAccess"));
  });

  it("holds no secret of its own: the operator uploads the keytab, the sign-in writes the token cache", () => {
    expect(declarations(vaultBicep()).filter((d) => d.target === "Microsoft.KeyVault/vaults/secrets")).toEqual([]);
  });

  it("sends its audit log (every secret read and write) to the Log Analytics workspace", () => {
    const diagnostics = onlyResource(vaultBicep(), "Microsoft.Insights/diagnosticSettings");
    expect(objectEntries(diagnostics.body).get("scope")).toBe("vault");
    expect(diagnostics.body).toMatch(/categoryGroup: 'audit'/);
    expect(moduleParam(INFRA.resources, "adminServiceVault", "logAnalyticsWorkspaceId")).toBe("monitoring.outputs.workspaceId");
  });
});

describe("who may read the AdminService secret", () => {
  it("uses the documented built-in role ids for Key Vault Secrets User and Key Vault Secrets Officer", () => {
    const ids = roleAssignments().map((a) => a.roleId);
    expect(ids.sort()).toEqual([KEY_VAULT_SECRETS_USER, KEY_VAULT_SECRETS_OFFICER].sort());
    for (const [role, id] of Object.entries(TOO_WIDE)) expect(ids, role).not.toContain(id);
  });

  it.each([
    ["negotiate", [KEY_VAULT_SECRETS_USER]],
    ["entra-user", [KEY_VAULT_SECRETS_OFFICER]],
  ] as const)("with ADMINSERVICE_AUTH=%s grants the app exactly %j", (mode, expected) => {
    const granted = roleAssignments().filter((a) => evaluate(a.condition, { adminServiceAuth: mode }) === true);
    expect(granted.map((a) => a.roleId)).toEqual(expected);
  });

  it("grants every role to the function app's managed identity, as a service principal, on this vault", () => {
    for (const assignment of roleAssignments()) {
      expect(assignment.principalId, assignment.symbol).toBe("principalId");
      expect(assignment.principalType, assignment.symbol).toBe("ServicePrincipal");
      expect(assignment.scope, assignment.symbol).toBe("vault");
      expect(assignment.name, assignment.symbol).toBe(`guid(vault.id, principalId, ${assignment.roleVariable})`);
    }
    expect(moduleParam(INFRA.resources, "adminServiceVault", "principalId")).toBe("identity.properties.principalId");
    expect(moduleParam(INFRA.resources, "functionApp", "identityId")).toBe("identity.id");
  });

  it("resolves the keytab's Key Vault reference as that same identity", () => {
    expect(pathValue(functionAppSite().body, "properties", "keyVaultReferenceIdentity")).toBe("identityId");
  });
});

describe("when the vault is deployed and what the app is told (infra/resources.bicep → functionApp.bicep)", () => {
  const resources = () => readRepoFile(INFRA.resources);
  const variable = (name: string) => new RegExp(`^var ${name} = (.+)$`, "m").exec(withoutComments(resources()))?.[1] ?? "unresolved";
  /** adminServiceVaultNeeded for these parameters (through adminServiceInUse: pushed mode deploys no AdminService setting). */
  const vaultNeeded = (values: { sourceMode: string; adminServiceAuth: string }) =>
    evaluate(variable("adminServiceVaultNeeded"), { ...values, adminServiceInUse: evaluate(variable("adminServiceInUse"), values) });

  it.each([
    ["adminservice", "negotiate", true],
    ["adminservice", "entra-user", true],
    ["adminservice", "entra-app", false],
    ["pushed", "negotiate", false],
    ["pushed", "entra-user", false],
    ["pushed", "none", false],
  ] as const)("with SOURCE_MODE=%s and ADMINSERVICE_AUTH=%s creates a vault: %s", (sourceMode, adminServiceAuth, expected) => {
    expect(vaultNeeded({ sourceMode, adminServiceAuth })).toBe(expected);
    expect(conditions(resources()).get("adminServiceVault")).toBe("adminServiceVaultNeeded");
  });

  /** The app settings a deployment in this mode gets, evaluated from the Bicep with a stand-in vault URI. */
  function deployed(mode: "negotiate" | "entra-user" | "entra-app", sourceMode = "adminservice") {
    const vaultOutputs = outputs(vaultBicep());
    const vaultUri = "https://kv-csync-sample.vault.azure.net/";
    const moduleValues = { adminServiceAuth: mode, "vault.properties.vaultUri": vaultUri, ...Object.fromEntries(stringVars(vaultBicep())) };
    const fromModule = (output: string) => evaluate(vaultOutputs.get(output) ?? "unresolved", moduleValues);
    const resourceValues = {
      adminServiceVaultNeeded: vaultNeeded({ sourceMode, adminServiceAuth: mode }),
      "adminServiceVault.outputs.keytabSecretUri": fromModule("keytabSecretUri"),
      "adminServiceVault.outputs.tokenCacheSecretUri": fromModule("tokenCacheSecretUri"),
    };
    const keytabUri = evaluate(moduleParam(INFRA.resources, "functionApp", "adminServiceKeytabSecretUri") ?? "unresolved", resourceValues);
    const cacheUri = evaluate(moduleParam(INFRA.resources, "functionApp", "adminServiceTokenCacheSecretUri") ?? "unresolved", resourceValues);
    const settings = deployedAppSettings();
    const appValues = { adminServiceKeytabSecretUri: String(keytabUri), adminServiceTokenCacheSecretUri: String(cacheUri) };
    return {
      keytab: evaluate((settings.get("ADMINSERVICE_KEYTAB_BASE64") ?? "unresolved").replace(/^empty\((\w+)\)/, "$1 == ''"), appValues),
      tokenCache: evaluate(settings.get("ADMINSERVICE_TOKEN_CACHE_SECRET_URI") ?? "unresolved", appValues),
    };
  }

  it("negotiate: ADMINSERVICE_KEYTAB_BASE64 is a Key Vault reference to the newest version of the keytab secret, nothing else", () => {
    const { keytab, tokenCache } = deployed("negotiate");
    expect(keytab).toBe("@Microsoft.KeyVault(SecretUri=https://kv-csync-sample.vault.azure.net/secrets/adminservice-keytab/)");
    expect(tokenCache).toBe("");
  });

  it("negotiate: an unresolved reference stops the app at start-up with a message naming the Key Vault reference", () => {
    const { keytab } = deployed("negotiate");
    expect(() => loadSettings({ ADMINSERVICE_AUTH: "negotiate", ADMINSERVICE_KEYTAB_BASE64: String(keytab) })).toThrow(/Key Vault reference/);
  });

  it("entra-user: ADMINSERVICE_TOKEN_CACHE_SECRET_URI names the token cache secret the way the app parses it, and no keytab is set", () => {
    const { keytab, tokenCache } = deployed("entra-user");
    expect(keytab).toBe("");
    const settings = loadSettings({ ADMINSERVICE_TOKEN_CACHE_SECRET_URI: String(tokenCache) });
    const parsed = parseKeyVaultSecretIdentifier(settings.ADMINSERVICE_TOKEN_CACHE_SECRET_URI ?? "");
    expect([parsed.vaultUrl, parsed.name, parsed.version]).toEqual(["https://kv-csync-sample.vault.azure.net", "adminservice-token-cache", undefined]);
  });

  it.each([
    ["entra-app", "adminservice"],
    ["negotiate", "pushed"],
  ] as const)("%s with SOURCE_MODE=%s: neither secret setting is set", (mode, sourceMode) => {
    expect(deployed(mode, sourceMode)).toEqual({ keytab: "", tokenCache: "" });
  });

  it("names the vault within Key Vault's 24 characters", () => {
    const name = /keyVault: '([^']*)\$\{resourceToken\}'/.exec(resources())?.[1];
    expect(name).toBeDefined();
    // resourceToken is uniqueString(…): 13 characters.
    expect((name ?? "").length + 13).toBeLessThanOrEqual(24);
    expect(moduleParam(INFRA.resources, "adminServiceVault", "name")).toBe("names.keyVault");
  });

  it("tells the operator where to upload the keytab or sign in (azd outputs)", () => {
    const main = outputs(readRepoFile(INFRA.main));
    expect(main.get("ADMINSERVICE_KEY_VAULT_NAME")).toBe("resources.outputs.adminServiceKeyVaultName");
    expect(main.get("ADMINSERVICE_TOKEN_CACHE_SECRET_URI")).toBe("resources.outputs.adminServiceTokenCacheSecretUri");
  });
});

describe("what docs/deploy.md tells the operator to do with the vault", () => {
  const deployDoc = () => readRepoFile("docs/deploy.md");
  const secretNames = () => stringVars(vaultBicep());

  it("uploads the keytab as base64 text into the secret the keytab reference points at, in the vault azd names", () => {
    const upload = /az keyvault secret set --vault-name "\$VAULT" --name (\S+) --file \S+ --encoding (\S+)/.exec(deployDoc());
    expect(upload?.[1]).toBe(secretNames().get("keytabSecretName"));
    // The app decodes ADMINSERVICE_KEYTAB_BASE64: the secret must hold base64 text, not raw bytes.
    expect(upload?.[2]).toBe("base64");
    const vaultName = /VAULT=\$\(azd env get-value (\w+)\)/.exec(deployDoc())?.[1];
    expect(outputs(readRepoFile(INFRA.main)).has(vaultName ?? "")).toBe(true);
  });

  it("signs in with the token cache secret URI azd outputs", () => {
    expect(deployDoc()).toContain("adminservice sign-in");
    expect(deployDoc()).toContain(secretNames().get("tokenCacheSecretName") ?? "unresolved");
    expect(outputs(readRepoFile(INFRA.main)).has("ADMINSERVICE_TOKEN_CACHE_SECRET_URI")).toBe(true);
  });

  it("grants the operator the write role by the name whose id the template uses for the app", () => {
    expect(deployDoc()).toMatch(/--role "Key Vault Secrets Officer" --scope "\$VAULT_ID"/);
    expect(stringVars(vaultBicep()).get("keyVaultSecretsOfficer")).toBe(KEY_VAULT_SECRETS_OFFICER);
  });
});

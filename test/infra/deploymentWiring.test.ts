import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { TABLE_NAMES } from "../../shared/storage/tableStores.js";
import { arrayItems, declarations, onlyResource, params, pathValue, readRepoFile, repoRoot, stringLiteral } from "./support/bicep.js";
import { authSettings, functionAppSite, INFRA, moduleParam } from "./support/deployment.js";

const mainParameters = () => (JSON.parse(readRepoFile("infra/main.parameters.json")) as { parameters: Record<string, { value: string }> }).parameters;

describe("how the deployment fits together", () => {
  it("declares every parameter main.parameters.json passes, and passes every parameter azd cannot leave out", () => {
    const declared = params(readRepoFile(INFRA.main));
    const passed = Object.keys(mainParameters());
    expect(passed.filter((name) => !declared.some((p) => p.name === name))).toEqual([]);
    const required = declared.filter((p) => p.defaultValue === undefined).map((p) => p.name);
    expect(required.filter((name) => !passed.includes(name))).toEqual([]);
  });

  it("passes main.bicep's parameters on to resources.bicep under the same names", () => {
    const resourcesParams = new Set(params(readRepoFile(INFRA.resources)).map((p) => p.name));
    for (const p of params(readRepoFile(INFRA.main))) {
      if (p.name === "environmentName" || p.name === "resourceGroupName") continue;
      expect(resourcesParams.has(p.name), p.name).toBe(true);
      expect(moduleParam(INFRA.main, "resources", p.name), p.name).toBe(p.name);
    }
  });

  it("asks for the API registration at deployment, and for the AdminService only in adminservice mode (none = pushed)", () => {
    for (const file of [INFRA.main, INFRA.resources]) {
      const declared = params(readRepoFile(file));
      expect(declared.find((p) => p.name === "apiClientId")?.defaultValue, `${file} apiClientId`).toBeUndefined();
      expect(declared.find((p) => p.name === "adminServiceUrl")?.defaultValue, `${file} adminServiceUrl`).toBe("''");
      const auth = declared.find((p) => p.name === "adminServiceAuth");
      expect(auth?.decorators.join("\n"), file).toMatch(/@allowed\(\[\s*'negotiate'\s*'entra-user'\s*'entra-app'\s*'none'\s*\]\)/);
      expect(auth?.defaultValue, file).toBe("'none'");
    }
  });

  it("leaves the Entra scope and sign-in client optional: negotiate needs neither, and the app itself says which mode needs what", () => {
    for (const file of [INFRA.main, INFRA.resources]) {
      const declared = params(readRepoFile(file));
      for (const name of ["adminServiceScope", "adminServiceClientId"]) {
        expect(declared.find((p) => p.name === name)?.defaultValue, `${file} ${name}`).toBe("''");
      }
    }
    expect(mainParameters().adminServiceClientId?.value).toBe("${ADMINSERVICE_CLIENT_ID}");
    expect(mainParameters().adminServiceAuth?.value).toBe("${ADMINSERVICE_AUTH=none}");
  });

  it("points every module at a file that exists", () => {
    for (const file of [INFRA.main, INFRA.resources]) {
      for (const module of declarations(readRepoFile(file)).filter((d) => d.kind === "module")) {
        expect(existsSync(`${repoRoot}${dirname(file)}/${module.target}`), `${file} → ${module.target}`).toBe(true);
      }
    }
  });

  it("tags the function app with the azure.yaml service name, so azd deploy finds it", () => {
    const yaml = readRepoFile("azure.yaml");
    const service = /^services:\s*\n(?:\s*#.*\n)*\s{2}([\w-]+):/m.exec(yaml)?.[1];
    expect(service).toBeDefined();
    expect(functionAppSite().body).toContain("'azd-service-name': azdServiceName");
    expect(stringLiteral(moduleParam(INFRA.resources, "functionApp", "azdServiceName"))).toBe(service);
    expect(yaml).toMatch(/host: function/);
  });

  it("runs azd's hooks from scripts that exist and are executable", () => {
    const scripts = [...readRepoFile("azure.yaml").matchAll(/run: \.\/(\S+)/g)].map((match) => match[1] ?? "");
    expect(scripts).toEqual(expect.arrayContaining(["infra/scripts/create-api-app.sh", "infra/scripts/postprovision.sh"]));
    for (const script of scripts) {
      expect(existsSync(`${repoRoot}${script}`), script).toBe(true);
      if (script.endsWith(".sh")) expect(() => accessSync(`${repoRoot}${script}`, constants.X_OK), script).not.toThrow();
    }
  });

  it("hosts the app on Flex Consumption (FC1), Linux, Node 22 (Node 20 is end of life)", () => {
    const plan = onlyResource(readRepoFile(INFRA.functionApp), "Microsoft.Web/serverfarms");
    expect(stringLiteral(pathValue(plan.body, "sku", "name"))).toBe("FC1");
    expect(stringLiteral(pathValue(plan.body, "sku", "tier"))).toBe("FlexConsumption");
    const runtime = pathValue(functionAppSite().body, "properties", "functionAppConfig", "runtime");
    expect(stringLiteral(pathValue(runtime ?? "{}", "name"))).toBe("node");
    expect(stringLiteral(pathValue(runtime ?? "{}", "version"))).toBe("22");
  });

  it("keeps maximumInstanceCount within Flex Consumption's documented 40–1000 (default 100)", () => {
    const param = params(readRepoFile(INFRA.resources)).find((p) => p.name === "maximumInstanceCount");
    expect(param?.decorators).toEqual(expect.arrayContaining(["@minValue(40)", "@maxValue(1000)"]));
    expect(Number(param?.defaultValue)).toBe(100);
  });

  it("watches dead letters through the DeadletteredMessages metric (alert and metrics query), never through AzureMetrics", () => {
    const alerts = readRepoFile("infra/modules/alerts.bicep");
    expect(alerts).toMatch(/Microsoft\.Insights\/metricAlerts[\s\S]*metricName: 'DeadletteredMessages'/);
    const operating = readRepoFile("docs/operating.md");
    expect(operating).toMatch(/az monitor metrics list[^\n]*\n?[^\n]*DeadletteredMessages/);
    const kustoBlocks = [...operating.matchAll(/```kusto\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
    expect(kustoBlocks.filter((query) => /AzureMetrics/.test(query) && /DeadletteredMessages/.test(query))).toEqual([]);
  });

  it("deploys the package from blob storage as the managed identity", () => {
    const storage = pathValue(functionAppSite().body, "properties", "functionAppConfig", "deployment", "storage") ?? "{}";
    expect(stringLiteral(pathValue(storage, "type"))).toBe("blobContainer");
    expect(stringLiteral(pathValue(storage, "authentication", "type"))).toBe("UserAssignedIdentity");
  });

  it("keeps the storage account free of shared keys and public blobs", () => {
    const account = onlyResource(readRepoFile(INFRA.storage), "Microsoft.Storage/storageAccounts");
    expect(pathValue(account.body, "properties", "allowSharedKeyAccess")).toBe("false");
    expect(pathValue(account.body, "properties", "allowBlobPublicAccess")).toBe("false");
  });

  it("creates the tables the code uses (shared/storage/tableStores.ts)", () => {
    const declared = /var tableNames = (\[[\s\S]*?\n\])/.exec(readRepoFile(INFRA.resources))?.[1] ?? "[]";
    expect(
      arrayItems(declared)
        .map((item) => stringLiteral(item))
        .sort(),
    ).toEqual(Object.values(TABLE_NAMES).sort());
  });

  it("puts App Service Authentication in front of the API: no valid Entra token, 401", () => {
    const auth = authSettings().body;
    expect(pathValue(auth, "properties", "platform", "enabled")).toBe("true");
    expect(pathValue(auth, "properties", "globalValidation", "requireAuthentication")).toBe("true");
    expect(stringLiteral(pathValue(auth, "properties", "globalValidation", "unauthenticatedClientAction"))).toBe("Return401");
    const entra = pathValue(auth, "properties", "identityProviders", "azureActiveDirectory") ?? "{}";
    expect(pathValue(entra, "enabled")).toBe("true");
    expect(pathValue(entra, "registration", "clientId")).toBe("apiClientId");
    expect(arrayItems(pathValue(entra, "validation", "allowedAudiences") ?? "[]")).toEqual(["apiClientId", "'api://${apiClientId}'"]);
  });

  it("outputs what the operator and the postprovision hook need", () => {
    const outputs = [...readRepoFile(INFRA.main).matchAll(/^output (\w+) /gm)].map((match) => match[1]);
    expect(outputs).toEqual(expect.arrayContaining(["AZURE_FUNCTION_APP_NAME", "AZURE_FUNCTION_APP_URL", "AZURE_IDENTITY_PRINCIPAL_ID"]));
  });
});

import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadSettings, requireCloudSettings, settingsSchema } from "../../shared/config/settings.js";
import { params, readRepoFile, repoRoot, stringLiteral } from "./support/bicep.js";
import { deployedAppSettings, INFRA, moduleParam } from "./support/deployment.js";

/**
 * Host settings the Functions runtime reads (not the product code). Anything else the Bicep sets must be a
 * setting of shared/config/settings.ts.
 */
const HOST_SETTINGS = [
  /^AzureWebJobsStorage__(accountName|credential|clientId|blobServiceUri|queueServiceUri|tableServiceUri)$/,
  /^APPLICATIONINSIGHTS_(CONNECTION_STRING|AUTHENTICATION_STRING)$/,
  /^SERVICEBUS_CONNECTION__(fullyQualifiedNamespace|credential|clientId)$/,
  /^FUNCTIONS_[A-Z_]+$/,
  // Read by Node itself at start-up: extra root certificates (a private CA in front of the AdminService), and the
  // heap limit sized from the instance's memory.
  /^NODE_EXTRA_CA_CERTS$/,
  /^NODE_OPTIONS$/,
];

/** Flex Consumption takes these from functionAppConfig or does not support them; setting one fails or misleads. */
const REJECTED_ON_FLEX = [
  "FUNCTIONS_WORKER_RUNTIME",
  "FUNCTIONS_EXTENSION_VERSION",
  "WEBSITE_NODE_DEFAULT_VERSION",
  "WEBSITE_RUN_FROM_PACKAGE",
  "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
  "WEBSITE_CONTENTSHARE",
  "SCM_DO_BUILD_DURING_DEPLOYMENT",
  "WEBSITE_TIME_ZONE",
  // A connection string would need shared keys, which the storage account refuses.
  "AzureWebJobsStorage",
];

const schemaKeys = new Set(Object.keys(settingsSchema.shape));
type SettingName = keyof typeof settingsSchema.shape;
const isSettingName = (name: string): name is SettingName => schemaKeys.has(name);

/** Stand-ins for values Azure fills in that must agree with each other (the same Service Bus namespace). */
const SAMPLES: Readonly<Record<string, string>> = {
  SERVICEBUS_CONNECTION__fullyQualifiedNamespace: "sb-csync-sample.servicebus.windows.net",
  SERVICEBUS_RESOURCE_ID:
    "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg-sample/providers/Microsoft.ServiceBus/namespaces/sb-csync-sample",
};

const MODES = ["negotiate", "entra-user", "entra-app"] as const;
type Mode = (typeof MODES)[number];

/**
 * What a deployment in each ADMINSERVICE_AUTH mode puts into the AdminService settings: the parameters the azd hook
 * insists on for that mode (infra/scripts/create-api-app.sh), the keytab as App Service resolves its Key Vault
 * reference (base64 text), the token cache's secret URI; empty (unset) where the mode has no use for a setting.
 * test/infra/adminServiceVault.test.ts checks that the Bicep passes exactly these per mode.
 */
function adminServiceSample(name: string, mode: Mode): string | undefined {
  const entra = mode !== "negotiate";
  const samples: Record<string, string> = {
    ADMINSERVICE_AUTH: mode,
    ADMINSERVICE_SCOPE: entra ? "https://ConfigMgrService/.default" : "",
    ADMINSERVICE_CLIENT_ID: mode === "entra-user" ? "00000000-0000-4000-8000-00000000000c" : "",
    ADMINSERVICE_KEYTAB_BASE64: mode === "negotiate" ? "BQIAAAA=" : "",
    ADMINSERVICE_TOKEN_CACHE_SECRET_URI: mode === "entra-user" ? "https://kv-csync-sample.vault.azure.net/secrets/adminservice-token-cache" : "",
  };
  return samples[name];
}

/** The literal the Bicep sets, else a value of the shape the setting wants, standing in for what Azure fills in. */
function sampleValue(name: string, expression: string, mode: Mode): string {
  const literal = stringLiteral(expression);
  if (literal !== undefined) return literal;
  const sample = SAMPLES[name] ?? adminServiceSample(name, mode);
  if (sample !== undefined) return sample;
  if (!isSettingName(name)) return "deployed";
  const candidates = ["https://example.invalid", "00000000-0000-4000-8000-000000000000", "20", "0 */5 * * * *", "adminservice"];
  const fits = candidates.find((value) => settingsSchema.shape[name].safeParse(value).success);
  if (fits === undefined) throw new Error(`no sample value fits ${name}`);
  return fits;
}

/** The triggers' own files (functions/*.ts): what they bind to by name. */
function triggerSources(): string {
  const dir = `${repoRoot}functions`;
  return readdirSync(dir)
    .filter((file) => file.endsWith(".ts"))
    .map((file) => readRepoFile(`functions/${file}`))
    .join("\n");
}

describe("the function app's settings (infra/modules/functionApp.bicep)", () => {
  const settings = deployedAppSettings();

  it.each(MODES)("sets every setting the Azure app cannot start without, with ADMINSERVICE_AUTH=%s", (mode) => {
    const env = Object.fromEntries([...settings].map(([name, expression]) => [name, sampleValue(name, expression, mode)]));
    expect(() => requireCloudSettings(loadSettings(env))).not.toThrow();
  });

  it("sets no setting the code does not know, apart from documented host settings", () => {
    const unknown = [...settings.keys()].filter((name) => !schemaKeys.has(name) && !HOST_SETTINGS.some((pattern) => pattern.test(name)));
    expect(unknown).toEqual([]);
  });

  it("sets none of the settings a Flex Consumption app rejects", () => {
    expect(REJECTED_ON_FLEX.filter((name) => settings.has(name))).toEqual([]);
  });

  it("connects host storage through the managed identity, never a connection string", () => {
    expect(settings.get("AzureWebJobsStorage__accountName")).toBeDefined();
    expect(stringLiteral(settings.get("AzureWebJobsStorage__credential"))).toBe("managedidentity");
    expect(settings.get("AzureWebJobsStorage__clientId")).toBe(settings.get("AZURE_CLIENT_ID"));
  });

  it("connects every Service Bus trigger through the managed identity", () => {
    const connections = [...triggerSources().matchAll(/connection:\s*"(\w+)"/g)].map((match) => match[1] ?? "");
    expect(connections).not.toEqual([]);
    for (const connection of connections) {
      expect(settings.get(`${connection}__fullyQualifiedNamespace`), connection).toBeDefined();
      expect(stringLiteral(settings.get(`${connection}__credential`)), connection).toBe("managedidentity");
      expect(settings.get(`${connection}__clientId`), connection).toBe(settings.get("AZURE_CLIENT_ID"));
    }
  });

  it("sets every %SETTING% a trigger binds to", () => {
    const bound = [...triggerSources().matchAll(/%(\w+)%/g)].map((match) => match[1] ?? "");
    expect(bound).toContain("SYNC_SCHEDULE");
    expect(bound.filter((name) => !settings.has(name))).toEqual([]);
  });

  it("lets /api/health count dead letters through Azure Monitor, on the namespace the queue connection names", () => {
    expect(settings.get("SERVICEBUS_RESOURCE_ID")).toBe("serviceBusResourceId");
    expect(moduleParam(INFRA.resources, "functionApp", "serviceBusResourceId")).toBe("serviceBus.outputs.id");
    expect(moduleParam(INFRA.resources, "functionApp", "serviceBusFullyQualifiedNamespace")).toBe("serviceBus.outputs.fullyQualifiedNamespace");
    expect(moduleParam(INFRA.resources, "roles", "serviceBusNamespaceName")).toBe("serviceBus.outputs.name");
  });

  it("sends telemetry with the managed identity's token", () => {
    expect(settings.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")).toBe(`'ClientId=\${${settings.get("AZURE_CLIENT_ID")}};Authorization=AAD'`);
  });

  it("creates the queue the worker listens on, under the name the code sends to", () => {
    const queueParam = params(readRepoFile(INFRA.resources)).find((p) => p.name === "queueName");
    const deployedQueue = stringLiteral(queueParam?.defaultValue);
    expect(deployedQueue).toBe(loadSettings({}).SERVICEBUS_QUEUE);
    const workerQueue = /queueName:\s*"([^"]+)"/.exec(triggerSources())?.[1];
    expect(workerQueue === deployedQueue || workerQueue === "%SERVICEBUS_QUEUE%").toBe(true);
    expect(settings.get("SERVICEBUS_QUEUE")).toBe("queueName");
  });

  it.each([
    ["graphBaseUrl", "GRAPH_BASE_URL"],
    ["syncSchedule", "SYNC_SCHEDULE"],
  ] as const)("falls back to the code's own default when %s is left empty", (param, setting) => {
    const passed = moduleParam(INFRA.resources, "functionApp", param) ?? "";
    const fallback = stringLiteral(/^empty\(\w+\) \? ('[^']*') : \w+$/.exec(passed)?.[1]);
    expect(fallback).toBe(loadSettings({})[setting]);
  });

  it("deploys removal guards the settings accept", () => {
    const declared = params(readRepoFile(INFRA.resources));
    const env: Record<string, string> = {};
    for (const [param, setting] of [
      ["removalThresholdPercent", "REMOVAL_THRESHOLD_PERCENT"],
      ["removalThresholdCount", "REMOVAL_THRESHOLD_COUNT"],
      ["syncTimeBudgetSeconds", "SYNC_TIME_BUDGET_SECONDS"],
    ] as const) {
      const value = declared.find((p) => p.name === param)?.defaultValue;
      expect(value, param).toMatch(/^\d+$/);
      env[setting] = value ?? "";
    }
    const loaded = loadSettings(env);
    const defaults = loadSettings({});
    expect([loaded.REMOVAL_THRESHOLD_PERCENT, loaded.REMOVAL_THRESHOLD_COUNT]).toEqual([defaults.REMOVAL_THRESHOLD_PERCENT, defaults.REMOVAL_THRESHOLD_COUNT]);
  });
});

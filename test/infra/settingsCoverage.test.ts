import { describe, expect, it } from "vitest";
import { loadSettings, requireCloudSettings, settingsSchema } from "../../shared/config/settings.js";
import { params, readRepoFile, withoutComments } from "./support/bicep.js";
import { evaluate } from "./support/bicepExpression.js";
import { deployedAppSettings, INFRA, moduleParam } from "./support/deployment.js";

/**
 * A Bicep appSettings list replaces the app's whole settings collection on every `azd provision`
 * (docs/deploy.md "App settings the deployment sets"), so a setting added by hand in the portal is silently dropped. Hence: every
 * setting of the code is deployed by infra, fed from the azd environment, or listed as local-only with a reason.
 */
const settingNames = Object.keys(settingsSchema.shape);
type SettingName = keyof typeof settingsSchema.shape;

const localOnly = () => (JSON.parse(readRepoFile("infra/local-only-settings.json")) as { settings: Record<string, string> }).settings;

const mainParameters = () => (JSON.parse(readRepoFile("infra/main.parameters.json")) as { parameters: Record<string, { value: unknown }> }).parameters;

/** Settings the template computes from the resources it creates (no operator choice), and why. */
const FIXED_BY_TEMPLATE: Readonly<Record<string, string>> = {
  SERVICEBUS_QUEUE: "the queue the template creates; resources.bicep queueName",
};

/** The bare identifiers an expression uses (string contents and function names left out). */
function identifiers(expression: string): string[] {
  const code = expression.replace(/'(?:[^'\\]|\\.)*'/g, (literal) => [...literal.matchAll(/\$\{([^}]*)\}/g)].map((m) => ` ${m[1]} `).join(" "));
  return [...code.matchAll(/\b([A-Za-z_]\w*)\b(?!\s*\()/g)].map((m) => m[1] ?? "").filter((name) => !["true", "false", "null"].includes(name));
}

/**
 * The main.bicep parameters a deployed setting's value comes from: functionApp.bicep's appSettings value →
 * its module parameters → what resources.bicep passes for them → resources.bicep parameters that main.bicep declares.
 */
function mainParamsBehind(setting: string): { main: string[]; resourcesOnly: string[] } {
  const functionAppParams = new Set(params(readRepoFile(INFRA.functionApp)).map((p) => p.name));
  const resourcesParams = new Set(params(readRepoFile(INFRA.resources)).map((p) => p.name));
  const mainParams = new Set(params(readRepoFile(INFRA.main)).map((p) => p.name));
  const value = deployedAppSettings().get(setting) ?? "";
  const fromResources = identifiers(value)
    .filter((name) => functionAppParams.has(name))
    .flatMap((name) => identifiers(moduleParam(INFRA.resources, "functionApp", name) ?? ""))
    .filter((name) => resourcesParams.has(name));
  const unique = [...new Set(fromResources)];
  return { main: unique.filter((name) => mainParams.has(name)), resourcesOnly: unique.filter((name) => !mainParams.has(name)) };
}

/** `${NAME}` or `${NAME=default}` in main.parameters.json → { variable, fallback }. */
function azdVariable(param: string): { variable: string; fallback: string | undefined } | undefined {
  const value = mainParameters()[param]?.value;
  const match = typeof value === "string" ? /^\$\{(\w+)(?:=([^}]*))?\}$/.exec(value) : null;
  return match === null ? undefined : { variable: match[1] ?? "", fallback: match[2] };
}

describe("every setting of the code reaches Azure, or says why it need not (infra/local-only-settings.json)", () => {
  const deployed = deployedAppSettings();

  it.each(settingNames)("%s is deployed by infra or listed as local-only", (name) => {
    const listed = localOnly()[name];
    expect(
      deployed.has(name) || listed !== undefined,
      `${name}: deploy it in infra/modules/functionApp.bicep or list it in infra/local-only-settings.json with a reason`,
    ).toBe(true);
    expect(deployed.has(name) && listed !== undefined, `${name} is deployed and also listed as local-only`).toBe(false);
  });

  it("lists only real settings, each with a reason", () => {
    for (const [name, reason] of Object.entries(localOnly())) {
      expect(settingNames, name).toContain(name);
      expect(reason.length, name).toBeGreaterThan(20);
    }
  });

  it("feeds every operator-chosen setting from the azd environment variable of the same name", () => {
    const unfed: string[] = [];
    for (const name of settingNames.filter((setting) => deployed.has(setting))) {
      const { main, resourcesOnly } = mainParamsBehind(name);
      if (main.length === 0 && resourcesOnly.length === 0) continue; // computed from the resources it creates
      if (resourcesOnly.length > 0 && FIXED_BY_TEMPLATE[name] === undefined)
        unfed.push(`${name}: resources.bicep ${resourcesOnly.join(", ")} is not a main.bicep parameter`);
      for (const param of main) {
        const fed = azdVariable(param);
        if (fed?.variable !== name) unfed.push(`${name}: main.parameters.json ${param} = ${String(mainParameters()[param]?.value)}`);
      }
    }
    expect(unfed).toEqual([]);
  });

  it("gives each azd variable the app's own default, so an unset variable deploys what the app would assume", () => {
    const defaults = loadSettings({});
    const wrong: string[] = [];
    for (const [param, { value }] of Object.entries(mainParameters())) {
      const fed = azdVariable(param);
      if (fed === undefined || !(fed.variable in settingsSchema.shape)) continue;
      const setting = fed.variable as SettingName;
      const declared = params(readRepoFile(INFRA.main)).find((p) => p.name === param)?.defaultValue;
      if (fed.fallback === undefined) {
        // Unset → empty → the app's default; the Bicep default must be empty too (or the template fills in the app's).
        if (declared !== undefined && declared !== "''") wrong.push(`${param}: ${String(value)} without a default, but main.bicep defaults to ${declared}`);
        continue;
      }
      const bicepDefault = declared?.replace(/^'(.*)'$/, "$1");
      if (bicepDefault !== fed.fallback) wrong.push(`${param}: azd default ${fed.fallback}, main.bicep default ${String(declared)}`);
      if (setting === "ADMINSERVICE_AUTH") continue; // `none`: checked below
      if (loadSettings({ [setting]: fed.fallback })[setting] !== defaults[setting])
        wrong.push(`${param}: azd default ${fed.fallback}, the app's default ${JSON.stringify(defaults[setting])}`);
    }
    expect(wrong).toEqual([]);
  });

  it("turns ADMINSERVICE_AUTH=none (pushed mode) into an unset setting, which the app accepts", () => {
    expect(azdVariable("adminServiceAuth")).toEqual({ variable: "ADMINSERVICE_AUTH", fallback: "none" });
    const deployedValue = evaluate(deployed.get("ADMINSERVICE_AUTH") ?? "unresolved", { adminServiceAuth: "none" });
    expect(deployedValue).toBe("");
    expect(loadSettings({ ADMINSERVICE_AUTH: String(deployedValue), SOURCE_MODE: "pushed" }).ADMINSERVICE_AUTH).toBeUndefined();
  });

  it("keeps the notification webhook out of plain settings: a Key Vault reference, the URL itself a secure parameter", () => {
    expect(azdVariable("notifyWebhookUrl")?.variable).toBe("NOTIFY_WEBHOOK_URL");
    expect(moduleParam(INFRA.resources, "appSecretsVault", "notifyWebhookUrl")).toBe("notifyWebhookUrl");
    expect(deployed.get("NOTIFY_WEBHOOK_URL")).toMatch(/@Microsoft\.KeyVault\(SecretUri=\$\{notifyWebhookSecretUri\}\/\)/);
    for (const file of [INFRA.main, INFRA.resources, "infra/modules/appSecretsVault.bicep"]) {
      const param = params(readRepoFile(file)).find((p) => p.name === "notifyWebhookUrl");
      expect(param?.decorators, file).toContain("@secure()");
    }
    expect(evaluate(deployed.get("NOTIFY_WEBHOOK_URL")?.replace(/^empty\((\w+)\)/, "$1 == ''") ?? "", { notifyWebhookSecretUri: "" })).toBe("");
  });

  it("deploys no AdminService setting in pushed mode, even with leftovers in the azd environment, and the app starts", () => {
    const inUse = /^var adminServiceInUse = (.+)$/m.exec(withoutComments(readRepoFile(INFRA.resources)))?.[1] ?? "unresolved";
    const leftovers = {
      adminServiceUrl: "https://cm01.contoso.com/AdminService",
      adminServiceAuth: "negotiate",
      adminServiceScope: "https://ConfigMgrService/.default",
      adminServiceClientId: "00000000-0000-4000-8000-00000000000c",
    };
    const values = { ...leftovers, adminServiceInUse: evaluate(inUse, { sourceMode: "pushed" }) };
    const env: Record<string, string> = {};
    for (const [setting, param] of [
      ["ADMINSERVICE_URL", "adminServiceUrl"],
      ["ADMINSERVICE_AUTH", "adminServiceAuth"],
      ["ADMINSERVICE_SCOPE", "adminServiceScope"],
      ["ADMINSERVICE_CLIENT_ID", "adminServiceClientId"],
    ] as const) {
      const passed = evaluate(moduleParam(INFRA.resources, "functionApp", param) ?? "unresolved", values);
      env[setting] = String(evaluate(deployed.get(setting) ?? "unresolved", { [param]: passed }));
    }
    expect(env).toEqual({ ADMINSERVICE_URL: "", ADMINSERVICE_AUTH: "", ADMINSERVICE_SCOPE: "", ADMINSERVICE_CLIENT_ID: "" });
    const settings = loadSettings({
      ...env,
      SOURCE_MODE: "pushed",
      TABLES_ENDPOINT: "https://st.table.core.windows.net/",
      SERVICEBUS_CONNECTION__fullyQualifiedNamespace: "sb.servicebus.windows.net",
    });
    expect(() => requireCloudSettings(settings)).not.toThrow();
  });
});

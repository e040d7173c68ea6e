import { arrayItems, declarations, objectEntries, onlyResource, pathValue, readRepoFile, stringLiteral, type Declaration } from "./bicep.js";

/** Where each piece of the deployment lives (main.bicep → resources.bicep → modules/). */
export const INFRA = {
  main: "infra/main.bicep",
  resources: "infra/resources.bicep",
  functionApp: "infra/modules/functionApp.bicep",
  roles: "infra/modules/roleAssignments.bicep",
  serviceBus: "infra/modules/serviceBus.bicep",
  storage: "infra/modules/storage.bicep",
  adminServiceVault: "infra/modules/adminServiceVault.bicep",
} as const;

export function functionAppSite(): Declaration {
  return onlyResource(readRepoFile(INFRA.functionApp), "Microsoft.Web/sites");
}

/** The function app's settings: name → raw Bicep value expression. */
export function deployedAppSettings(): Map<string, string> {
  const list = pathValue(functionAppSite().body, "properties", "siteConfig", "appSettings");
  if (list === undefined) throw new Error("the function app sets no siteConfig.appSettings");
  const settings = new Map<string, string>();
  for (const item of arrayItems(list)) {
    const entry = objectEntries(item);
    const name = stringLiteral(entry.get("name"));
    if (name === undefined) throw new Error(`an app setting name is not a literal: ${item}`);
    if (settings.has(name)) throw new Error(`app setting ${name} is set twice`);
    settings.set(name, entry.get("value") ?? "");
  }
  return settings;
}

/** The `Microsoft.Web/sites/config` resource named authsettingsV2. */
export function authSettings(): Declaration {
  const found = declarations(readRepoFile(INFRA.functionApp)).filter(
    (d) => d.target === "Microsoft.Web/sites/config" && stringLiteral(objectEntries(d.body).get("name")) === "authsettingsV2",
  );
  const [only] = found;
  if (found.length !== 1 || only === undefined) throw new Error(`expected one authsettingsV2, found ${found.length}`);
  return only;
}

/** A module's param value as passed by its caller, e.g. resources.bicep → functionApp: graphBaseUrl. */
export function moduleParam(callerFile: string, moduleSymbol: string, param: string): string | undefined {
  const module = declarations(readRepoFile(callerFile)).find((d) => d.kind === "module" && d.symbol === moduleSymbol);
  if (module === undefined) throw new Error(`${callerFile} declares no module ${moduleSymbol}`);
  return pathValue(module.body, "params", param);
}

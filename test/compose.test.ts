import { afterEach, describe, expect, it, vi } from "vitest";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

async function freshCompose() {
  vi.resetModules();
  return import("../functions/azureServices.js");
}

describe("the Azure Functions composition root", () => {
  it("refuses to start on embedded defaults, naming every missing setting", async () => {
    for (const key of ["ADMINSERVICE_URL", "TABLES_ENDPOINT", "TABLES_CONNECTION", "SERVICEBUS_CONNECTION__fullyQualifiedNamespace"]) delete process.env[key];
    const { getAppServices } = await freshCompose();
    await expect(getAppServices()).rejects.toThrow(/ADMINSERVICE_URL is required[\s\S]*TABLES_ENDPOINT[\s\S]*SERVICEBUS_CONNECTION__fullyQualifiedNamespace/);
  });

  it("builds the services from Azure app settings, with Easy Auth in front of the API, without touching the network", async () => {
    Object.assign(process.env, {
      ADMINSERVICE_URL: "https://cmg.contoso.com/CCM_Proxy_MutualAuth/72057594037927941/AdminService",
      ADMINSERVICE_AUTH: "entra-app",
      ADMINSERVICE_SCOPE: "https://ConfigMgrService/.default",
      TABLES_ENDPOINT: "https://stcsync.table.core.windows.net",
      SERVICEBUS_CONNECTION__fullyQualifiedNamespace: "sb-csync.servicebus.windows.net",
      SYNC_TIME_BUDGET_SECONDS: "900",
    });
    delete process.env.TABLES_CONNECTION;
    const { getAppServices } = await freshCompose();
    const services = await getAppServices();
    expect(services.api.auth).toEqual({ mode: "easyauth", platformAuthEnabled: false });
    expect(services.sync.policy.timeBudgetMs).toBe(900_000);
    expect(await getAppServices()).toBe(services);
  });

  it("trusts Easy Auth principals only when App Service reports Authentication enabled (WEBSITE_AUTH_ENABLED=True)", async () => {
    Object.assign(process.env, {
      ADMINSERVICE_URL: "https://cmg.contoso.com/CCM_Proxy_MutualAuth/72057594037927941/AdminService",
      ADMINSERVICE_AUTH: "entra-app",
      ADMINSERVICE_SCOPE: "https://ConfigMgrService/.default",
      TABLES_ENDPOINT: "https://stcsync.table.core.windows.net",
      SERVICEBUS_CONNECTION__fullyQualifiedNamespace: "sb-csync.servicebus.windows.net",
      WEBSITE_AUTH_ENABLED: "True",
    });
    delete process.env.TABLES_CONNECTION;
    const { getAppServices } = await freshCompose();
    expect((await getAppServices()).api.auth).toEqual({ mode: "easyauth", platformAuthEnabled: true });
  });
});

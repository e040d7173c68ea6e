import { describe, expect, it } from "vitest";
import { loadSettings, requireCloudSettings } from "../shared/config/settings.js";
import { ConfigError } from "../shared/errors.js";

function issuesOf(env: Record<string, string>): readonly string[] {
  try {
    loadSettings(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe("settings", () => {
  it("runs on embedded defaults when nothing is set", () => {
    const settings = loadSettings({});
    expect(settings.GRAPH_BASE_URL).toBe("https://graph.microsoft.com");
    expect(settings.SYNC_SCHEDULE).toBe("0 */5 * * * *");
    expect(settings.SERVICEBUS_QUEUE).toBe("sync-jobs");
    expect(settings.REMOVAL_THRESHOLD_PERCENT).toBe(20);
    expect(settings.REMOVAL_THRESHOLD_COUNT).toBe(500);
  });

  it("refuses a plain http URL that is not loopback", () => {
    const issues = issuesOf({ GRAPH_BASE_URL: "http://graph.example.com" });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/GRAPH_BASE_URL must use https/);
  });

  it("accepts loopback http for the simulated tenant and strips trailing slashes", () => {
    const settings = loadSettings({ GRAPH_BASE_URL: "http://127.0.0.1:8123/", ADMINSERVICE_URL: "http://localhost:9/AdminService" });
    expect(settings.GRAPH_BASE_URL).toBe("http://127.0.0.1:8123");
    expect(settings.ADMINSERVICE_URL).toBe("http://localhost:9/AdminService");
  });

  it("counts only 127.0.0.0/8, ::1 and localhost as loopback, not host names that merely look like them", () => {
    for (const url of ["http://127.0.0.1:8123", "http://127.45.6.7", "http://[::1]:9", "http://localhost:9", "http://LOCALHOST"]) {
      expect(issuesOf({ GRAPH_BASE_URL: url }), url).toEqual([]);
    }
    for (const url of ["http://127.evil.example", "http://127.0.0.1.evil.example", "http://localhost.evil.example", "http://[::2]", "http://128.0.0.1"]) {
      expect(issuesOf({ GRAPH_BASE_URL: url }), url).toEqual([expect.stringMatching(/GRAPH_BASE_URL must use https/)]);
    }
  });

  it("reports every bad value at once", () => {
    const issues = issuesOf({
      GRAPH_BASE_URL: "not a url",
      GRAPH_MAX_CONCURRENCY: "0",
      REMOVAL_THRESHOLD_PERCENT: "120",
      AZURE_CLIENT_ID: "abc",
    });
    expect(issues).toHaveLength(4);
    expect(issues.join("\n")).toMatch(/GRAPH_MAX_CONCURRENCY must be a whole number from 1 to 32/);
  });

  it("refuses both a Tables connection string and an endpoint", () => {
    expect(issuesOf({ TABLES_CONNECTION: "UseDevelopmentStorage=true", TABLES_ENDPOINT: "https://a.table.core.windows.net" })).toEqual([
      "Set TABLES_CONNECTION or TABLES_ENDPOINT, not both",
    ]);
  });

  it("requires the real endpoints in Azure", () => {
    expect(() => requireCloudSettings(loadSettings({}))).toThrow(/ADMINSERVICE_URL is required/);
    expect(() =>
      requireCloudSettings(
        loadSettings({
          ADMINSERVICE_URL: "https://cm.contoso.com/AdminService",
          ADMINSERVICE_AUTH: "entra-app",
          ADMINSERVICE_SCOPE: "api://0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5/.default",
          TABLES_ENDPOINT: "https://st.table.core.windows.net",
          SERVICEBUS_CONNECTION__fullyQualifiedNamespace: "sb.servicebus.windows.net",
        }),
      ),
    ).not.toThrow();
  });
});

describe("settings for remote services", () => {
  const CMG = "https://cmg.contoso.com/CCM_Proxy_MutualAuth/72057594037927942/AdminService";

  it("requires ADMINSERVICE_AUTH for a remote AdminService, but not for the loopback simulator", () => {
    expect(issuesOf({ ADMINSERVICE_URL: CMG })).toEqual([
      expect.stringMatching(
        /^ADMINSERVICE_AUTH is required for a remote AdminService: "negotiate".*"entra-user".*"entra-app" \(app-only token, not documented by Microsoft\)/,
      ),
    ]);
    expect(issuesOf({ ADMINSERVICE_URL: "http://127.0.0.1:5000/AdminService" })).toEqual([]);
  });

  it("accepts only the three documented modes", () => {
    expect(issuesOf({ ADMINSERVICE_URL: CMG, ADMINSERVICE_AUTH: "ntlm" })).toEqual(['ADMINSERVICE_AUTH must be "negotiate", "entra-user" or "entra-app"']);
  });

  it("needs the Entra scope for the entra modes and the sign-in app and tenant for entra-user", () => {
    expect(issuesOf({ ADMINSERVICE_URL: CMG, ADMINSERVICE_AUTH: "entra-app" })).toEqual([
      expect.stringMatching(/^ADMINSERVICE_AUTH=entra-app needs ADMINSERVICE_SCOPE/),
    ]);
    expect(issuesOf({ ADMINSERVICE_URL: CMG, ADMINSERVICE_AUTH: "entra-user", ADMINSERVICE_SCOPE: "https://ConfigMgrService/.default" })).toEqual([
      expect.stringMatching(/^ADMINSERVICE_AUTH=entra-user needs ADMINSERVICE_CLIENT_ID/),
      expect.stringMatching(/^ADMINSERVICE_AUTH=entra-user needs AZURE_TENANT_ID/),
    ]);
  });

  it("takes negotiate without an Entra scope, with a keytab file or its base64 text but not both", () => {
    const negotiate = { ADMINSERVICE_URL: "https://cm01.contoso.com/AdminService", ADMINSERVICE_AUTH: "negotiate" };
    expect(issuesOf(negotiate)).toEqual([]);
    expect(issuesOf({ ...negotiate, ADMINSERVICE_KEYTAB: "/k", ADMINSERVICE_KEYTAB_BASE64: "BQI=" })).toEqual([
      "Set ADMINSERVICE_KEYTAB or ADMINSERVICE_KEYTAB_BASE64, not both",
    ]);
    expect(issuesOf({ ...negotiate, ADMINSERVICE_KEYTAB_BASE64: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/k/)" })[0]).toMatch(
      /ADMINSERVICE_KEYTAB_BASE64 is not base64 text \(in Azure: is the Key Vault reference resolved/,
    );
    expect(issuesOf({ ADMINSERVICE_URL: CMG, ADMINSERVICE_AUTH: "entra-app", ADMINSERVICE_SCOPE: "x", ADMINSERVICE_KEYTAB: "/k" })).toEqual([
      "ADMINSERVICE_KEYTAB / ADMINSERVICE_KEYTAB_BASE64 are used only with ADMINSERVICE_AUTH=negotiate",
    ]);
  });

  it("needs the multi-tenant app id before a certificate makes sense", () => {
    expect(issuesOf({ MULTITENANT_CERTIFICATE_PATH: "/certs/app.pem" })).toEqual([
      "MULTITENANT_CERTIFICATE_PATH needs MULTITENANT_CLIENT_ID (the multi-tenant app registration)",
    ]);
  });
});

describe("sync schedule", () => {
  it("takes a six-field NCRONTAB expression and refuses anything else", () => {
    expect(loadSettings({ SYNC_SCHEDULE: "0 */15 * * * *" }).SYNC_SCHEDULE).toBe("0 */15 * * * *");
    expect(issuesOf({ SYNC_SCHEDULE: "*/5 * * * *" })[0]).toMatch(/six-field NCRONTAB/);
    expect(issuesOf({ SYNC_SCHEDULE: "every five minutes" })[0]).toMatch(/six-field NCRONTAB/);
  });
});

describe("API authentication in Azure", () => {
  it("defaults to Easy Auth and accepts the function-key fallback only by name", async () => {
    expect(loadSettings({}).API_AUTH).toBe("easyauth");
    expect(loadSettings({ API_AUTH: "function-key" }).API_AUTH).toBe("function-key");
    expect(issuesOf({ API_AUTH: "none" })).toEqual(['API_AUTH must be "easyauth" or "function-key"']);
    const { apiFunctionAuthLevel } = await import("../functions/apiAuthLevel.js");
    expect(apiFunctionAuthLevel({})).toBe("anonymous");
    expect(apiFunctionAuthLevel({ API_AUTH: "function-key" })).toBe("function");
  });
});

describe("Service Bus namespace resource id (dead-letter count from Azure Monitor)", () => {
  const NAMESPACE_ID = "/subscriptions/0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5/resourceGroups/rg-collsync/providers/Microsoft.ServiceBus/namespaces/sb-csync-abc";
  const HOST = { SERVICEBUS_CONNECTION__fullyQualifiedNamespace: "sb-csync-abc.servicebus.windows.net" };

  it("is optional: without it the dead-letter count stays unknown", () => {
    expect(loadSettings(HOST).SERVICEBUS_RESOURCE_ID).toBeUndefined();
  });

  it("takes the namespace's resource id, in any case, without a trailing slash", () => {
    expect(loadSettings({ ...HOST, SERVICEBUS_RESOURCE_ID: `${NAMESPACE_ID}/` }).SERVICEBUS_RESOURCE_ID).toBe(NAMESPACE_ID);
    const lower = NAMESPACE_ID.toLowerCase();
    expect(loadSettings({ ...HOST, SERVICEBUS_RESOURCE_ID: lower }).SERVICEBUS_RESOURCE_ID).toBe(lower);
  });

  it.each([
    ["the queue's id", `${NAMESPACE_ID}/queues/sync-jobs`],
    ["a host name", "sb-csync-abc.servicebus.windows.net"],
    ["another resource type", NAMESPACE_ID.replace("Microsoft.ServiceBus/namespaces", "Microsoft.EventHub/namespaces")],
    ["a subscription that is not a GUID", NAMESPACE_ID.replace("0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5", "prod")],
  ])("refuses %s with a message that shows the expected form", (_, value) => {
    const issues = issuesOf({ ...HOST, SERVICEBUS_RESOURCE_ID: value });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain("SERVICEBUS_RESOURCE_ID must be the Service Bus namespace's resource id");
    expect(issues[0]).toContain("/providers/Microsoft.ServiceBus/namespaces/<namespace>");
  });

  it("must name the namespace the queue connection uses", () => {
    expect(issuesOf({ SERVICEBUS_CONNECTION__fullyQualifiedNamespace: "sb-other.servicebus.windows.net", SERVICEBUS_RESOURCE_ID: NAMESPACE_ID })).toEqual([
      'SERVICEBUS_RESOURCE_ID names the namespace "sb-csync-abc" but SERVICEBUS_CONNECTION__fullyQualifiedNamespace is "sb-other.servicebus.windows.net"',
    ]);
    expect(issuesOf({ SERVICEBUS_RESOURCE_ID: NAMESPACE_ID })).toEqual([
      "SERVICEBUS_RESOURCE_ID needs SERVICEBUS_CONNECTION__fullyQualifiedNamespace (the namespace whose queue it counts)",
    ]);
  });
});

describe("time limits", () => {
  it("refuses a run budget whose lease would outlast the 30-minute function timeout, and says why", () => {
    expect(issuesOf({ SYNC_TIME_BUDGET_SECONDS: "3600" })).toEqual([
      'SYNC_TIME_BUDGET_SECONDS must be a whole number from 10 to 1740: a run\'s lease lasts its budget plus 60 s, which must end inside the 30-minute function timeout (host.json functionTimeout), got "3600"',
    ]);
    expect(issuesOf({ SYNC_TIME_BUDGET_SECONDS: "1741" })).toHaveLength(1);
    expect(issuesOf({ SYNC_TIME_BUDGET_SECONDS: "5" })[0]).toMatch(/^SYNC_TIME_BUDGET_SECONDS must be a whole number from 10 to 1740/);
  });

  it("accepts the largest budget that fits and keeps a default that fits for the CLI and serve", () => {
    expect(loadSettings({ SYNC_TIME_BUDGET_SECONDS: "1740" }).SYNC_TIME_BUDGET_SECONDS).toBe(1740);
    expect(loadSettings({}).SYNC_TIME_BUDGET_SECONDS).toBe(1500);
  });

  it("bounds every Table Storage call: 20 s unless TABLES_TIMEOUT_SECONDS says otherwise (1 to 120)", () => {
    expect(loadSettings({}).TABLES_TIMEOUT_SECONDS).toBe(20);
    expect(loadSettings({ TABLES_TIMEOUT_SECONDS: "5" }).TABLES_TIMEOUT_SECONDS).toBe(5);
    expect(issuesOf({ TABLES_TIMEOUT_SECONDS: "0" })).toEqual(['TABLES_TIMEOUT_SECONDS must be a whole number from 1 to 120, got "0"']);
  });
});

describe("sync policy from settings", () => {
  it("turns the settings' seconds and minutes into the engine's policy; a lease outlives the run's budget by a minute", async () => {
    const { syncPolicyFrom } = await import("../shared/sync/syncDeps.js");
    const policy = syncPolicyFrom(loadSettings({ SYNC_TIME_BUDGET_SECONDS: "600", RESOLUTION_CACHE_TTL_MINUTES: "30", REMOVAL_THRESHOLD_PERCENT: "10" }));
    expect(policy).toEqual({
      removalThresholdPercent: 10,
      removalThresholdCount: 500,
      timeBudgetMs: 600_000,
      leaseMs: 660_000,
      resolutionTtlMs: 1_800_000,
      snapshotMaxAgeMs: 1_800_000,
      sourceRecheckMs: 3_600_000,
    });
  });
});

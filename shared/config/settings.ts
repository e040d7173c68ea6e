import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { isLoopbackHttp } from "./loopback.js";
import { LEASE_MARGIN_SECONDS } from "../core/ports/mappingState.js";
import { detectFormat, RECEIVER_FORMATS, type ReceiverFormat, type WebhookReceiver } from "./webhookReceiver.js";

/** ADMINSERVICE_AUTH values (see the schema below). */
export const ADMINSERVICE_AUTH_MODES = ["negotiate", "entra-user", "entra-app"] as const;
export type AdminServiceAuthMode = (typeof ADMINSERVICE_AUTH_MODES)[number];

const serviceUrl = (name: string) =>
  z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: "custom", message: `${name} is not a URL: "${value}"` });
        return;
      }
      if (url.protocol === "https:" || isLoopbackHttp(url)) return;
      ctx.addIssue({
        code: "custom",
        message: `${name} must use https:// (plain http:// is allowed only for a loopback address such as the simulated tenant), got "${value}"`,
      });
    })
    .transform((value) => value.replace(/\/+$/, ""));

const intSetting = (name: string, min: number, max: number, fallback: number, why = "") =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `${name} must be a whole number from ${min} to ${max}${why}, got "${value}"` });
        return z.NEVER;
      }
      return n;
    });

/**
 * The Functions host stops a run after host.json's `functionTimeout` (30 min, Flex Consumption's default;
 * docs/service-facts.md "Service Bus and the Functions host"). A run holds its mapping's lease for its time budget plus
 * LEASE_MARGIN_SECONDS to record its result, so budget + margin must fit inside the timeout: a longer budget would
 * be cut off by the host mid-write, before it could save progress and re-schedule itself.
 */
export const FUNCTION_TIMEOUT_SECONDS = 30 * 60;
const MAX_SYNC_TIME_BUDGET_SECONDS = FUNCTION_TIMEOUT_SECONDS - LEASE_MARGIN_SECONDS;

const syncTimeBudgetSetting = intSetting(
  "SYNC_TIME_BUDGET_SECONDS",
  10,
  MAX_SYNC_TIME_BUDGET_SECONDS,
  1500,
  `: a run's lease lasts its budget plus ${LEASE_MARGIN_SECONDS} s, which must end inside the ${FUNCTION_TIMEOUT_SECONDS / 60}-minute function timeout (host.json functionTimeout)`,
);

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const optionalGuid = (name: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return undefined;
      if (!guid.test(value)) {
        ctx.addIssue({ code: "custom", message: `${name} must be a GUID, got "${value}"` });
        return z.NEVER;
      }
      return value.toLowerCase();
    });

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === "" ? undefined : v));

/** ARM id of a Service Bus namespace (ids are case-insensitive); captures the namespace name. */
const serviceBusNamespaceIdPattern =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ServiceBus\/namespaces\/([a-z][a-z0-9-]{4,48}[a-z0-9])$/i;

const optionalServiceBusNamespaceId = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === "") return undefined;
    const id = value.replace(/\/+$/, "");
    if (!serviceBusNamespaceIdPattern.test(id)) {
      ctx.addIssue({
        code: "custom",
        message: `SERVICEBUS_RESOURCE_ID must be the Service Bus namespace's resource id (not a queue's), /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.ServiceBus/namespaces/<namespace>, got "${value}"`,
      });
      return z.NEVER;
    }
    return id;
  });

/**
 * NOTIFY_WEBHOOK_URL: one or more receivers separated by spaces or commas, each a URL optionally prefixed with
 * its format (`slack:https://…`, `teams:https://…`, `json:https://…`); without a prefix the host decides
 * (webhookReceiver.ts). A comma splits only where the next receiver starts, so commas inside a URL survive.
 */
const webhookReceivers = z
  .string()
  .optional()
  .transform((value, ctx): WebhookReceiver[] => {
    const tokens = (value ?? "")
      .trim()
      .split(/[\s,]+(?=(?:[a-z]+:)?https?:\/\/)/i)
      .map((token) => token.trim().replace(/,+$/, ""));
    const receivers: WebhookReceiver[] = [];
    for (const token of tokens.filter((t) => t !== "")) {
      const receiver = webhookReceiver(token);
      if (typeof receiver === "string") ctx.addIssue({ code: "custom", message: receiver });
      else receivers.push(receiver);
    }
    return receivers;
  });

/** One receiver, or the reason it is refused (never echoing the URL: it carries the receiver's secret). */
function webhookReceiver(token: string): WebhookReceiver | string {
  const prefixed = /^([a-z]+):(https?:\/\/.*)$/i.exec(token);
  const format = prefixed?.[1]?.toLowerCase();
  if (format !== undefined && !RECEIVER_FORMATS.includes(format as ReceiverFormat)) {
    return `NOTIFY_WEBHOOK_URL: unknown format "${format}:" (use ${RECEIVER_FORMATS.map((f) => `${f}:`).join(", ")} or none)`;
  }
  let url: URL;
  try {
    url = new URL(prefixed?.[2] ?? token);
  } catch {
    return `NOTIFY_WEBHOOK_URL: "${token.slice(0, 12)}…" is not a URL`;
  }
  if (url.protocol !== "https:" && !isLoopbackHttp(url)) {
    return `NOTIFY_WEBHOOK_URL must use https:// (plain http:// only for a loopback address), got a ${url.protocol} URL for ${url.host}`;
  }
  return { format: (format as ReceiverFormat | undefined) ?? detectFormat(url), url: url.href };
}

/** The namespace a SERVICEBUS_RESOURCE_ID names. */
export function serviceBusNamespaceName(resourceId: string): string {
  return serviceBusNamespaceIdPattern.exec(resourceId)?.[1] ?? "";
}

/**
 * Every setting of the product, the same names as Azure app settings and CLI environment variables
 * (docs/configuration.md). Parsed once per process by the composition root; no other module reads process.env.
 */
export const settingsSchema = z.object({
  GRAPH_BASE_URL: serviceUrl("GRAPH_BASE_URL").default("https://graph.microsoft.com"),
  ADMINSERVICE_URL: serviceUrl("ADMINSERVICE_URL").optional(),
  /**
   * How the app proves who it is to the AdminService: `negotiate` (Windows authentication, Kerberos via SPNEGO),
   * `entra-user` (a delegated token of a ConfigMgr administrative user, through a Cloud Management Gateway) or
   * `entra-app` (an app-only token; not documented by Microsoft). Required for a remote AdminService.
   */
  ADMINSERVICE_AUTH: z.enum(ADMINSERVICE_AUTH_MODES, { message: 'ADMINSERVICE_AUTH must be "negotiate", "entra-user" or "entra-app"' }).optional(),
  ADMINSERVICE_SCOPE: optionalText,
  /** negotiate on Linux: the client keytab of the ConfigMgr administrative account (a file path). */
  ADMINSERVICE_KEYTAB: optionalText,
  /** negotiate on Linux: the same keytab as base64 text (in Azure a Key Vault reference to the keytab secret). */
  ADMINSERVICE_KEYTAB_BASE64: optionalText,
  /** entra-user: the public client app registration the sign-in uses (device code flow). */
  ADMINSERVICE_CLIENT_ID: optionalGuid("ADMINSERVICE_CLIENT_ID"),
  /** entra-user: the Entra authority host (national clouds differ). */
  ADMINSERVICE_AUTHORITY_HOST: serviceUrl("ADMINSERVICE_AUTHORITY_HOST").default("https://login.microsoftonline.com"),
  /**
   * entra-user in Azure: the Key Vault secret (https://<vault>.vault.azure.net/secrets/<name>) holding the
   * signed-in user's token cache; the CLI keeps it in its data folder instead.
   */
  ADMINSERVICE_TOKEN_CACHE_SECRET_URI: serviceUrl("ADMINSERVICE_TOKEN_CACHE_SECRET_URI").optional(),
  TABLES_CONNECTION: optionalText,
  TABLES_ENDPOINT: serviceUrl("TABLES_ENDPOINT").optional(),
  SERVICEBUS_CONNECTION__fullyQualifiedNamespace: optionalText,
  SERVICEBUS_QUEUE: z.string().trim().min(1).default("sync-jobs"),
  /**
   * The namespace's resource id. When set, /api/health reads the queue's dead-letter count from the Azure Monitor
   * metric DeadletteredMessages, which needs only Monitoring Reader on the namespace (no Service Bus Data Owner).
   */
  SERVICEBUS_RESOURCE_ID: optionalServiceBusNamespaceId,
  SYNC_SCHEDULE: z
    .string()
    .trim()
    .refine((value) => isSixFieldCron(value), {
      message: "SYNC_SCHEDULE must be a six-field NCRONTAB expression (second minute hour day month weekday), e.g. 0 */5 * * * *",
    })
    .default("0 */5 * * * *"),
  /** The app's home tenant: mappings without a tenantId sync there. */
  AZURE_TENANT_ID: optionalGuid("AZURE_TENANT_ID"),
  /** Client id of the user-assigned managed identity (empty: system-assigned or developer credentials). */
  AZURE_CLIENT_ID: optionalGuid("AZURE_CLIENT_ID"),
  /**
   * Mappings may name another tenant. Graph is then reached as this multi-tenant app registration (consented in
   * that tenant), authenticated by a federated credential on the managed identity or by a certificate.
   */
  MULTITENANT_CLIENT_ID: optionalGuid("MULTITENANT_CLIENT_ID"),
  MULTITENANT_CERTIFICATE_PATH: optionalText,
  /** Graph `$batch` requests in flight at once per tenant (each carries up to 20 PATCHes of 20 members). */
  GRAPH_MAX_CONCURRENCY: intSetting("GRAPH_MAX_CONCURRENCY", 1, 32, 4),
  /**
   * Multiplies the Graph budget the pacer assumes before it learns one (1 = Graph's documented limits). Only for load
   * tests against a simulated tenant whose budget is scaled the same way (`npm run bench -- --s7-scale`): against
   * a real tenant a larger value only draws 429s until the pacer has learned the real budget.
   */
  GRAPH_BUDGET_SCALE: intSetting("GRAPH_BUDGET_SCALE", 1, 1_000, 1, " (a load-test setting; 1 for a real tenant)"),
  /** How long one sync run may take before it saves progress and re-schedules itself (function timeout minus margin). */
  SYNC_TIME_BUDGET_SECONDS: syncTimeBudgetSetting,
  /** Longest wait for one Table Storage operation (retries included) before it fails with a clear error. */
  TABLES_TIMEOUT_SECONDS: intSetting("TABLES_TIMEOUT_SECONDS", 1, 120, 20),
  REMOVAL_THRESHOLD_PERCENT: intSetting("REMOVAL_THRESHOLD_PERCENT", 0, 100, 20),
  REMOVAL_THRESHOLD_COUNT: intSetting("REMOVAL_THRESHOLD_COUNT", 0, 1_000_000, 500),
  /** How long a resolved (or unresolvable) member id is trusted before Graph is asked again. */
  RESOLUTION_CACHE_TTL_MINUTES: intSetting("RESOLUTION_CACHE_TTL_MINUTES", 0, 7 * 24 * 60, 24 * 60),
  /** Most a remembered ConfigMgr member identity with an Entra id is trusted before the AdminService is asked again. */
  SOURCE_IDENTITY_REFRESH_MINUTES: intSetting("SOURCE_IDENTITY_REFRESH_MINUTES", 1, 7 * 24 * 60, 24 * 60),
  /** Most one without an Entra id is trusted: how soon a device that joins Entra later is picked up. */
  SOURCE_IDENTITY_RECHECK_MINUTES: intSetting("SOURCE_IDENTITY_RECHECK_MINUTES", 1, 7 * 24 * 60, 60),
  /** How long run history and per-member run reports are kept (counted back from each mapping's newest run). */
  RUN_RETENTION_DAYS: intSetting("RUN_RETENTION_DAYS", 1, 3650, 90),
  /**
   * How the Azure Functions API authenticates callers: App Service Authentication with app roles (default), or
   * function keys as a fallback where Easy Auth cannot be enabled (every key holder gets full access).
   */
  API_AUTH: z.enum(["easyauth", "function-key"], { message: 'API_AUTH must be "easyauth" or "function-key"' }).default("easyauth"),
  /**
   * Set by App Service itself ("True") while App Service Authentication is on; read-only, never set by hand.
   * In easyauth mode the API trusts x-ms-client-principal only when it says so.
   */
  WEBSITE_AUTH_ENABLED: z
    .string()
    .trim()
    .optional()
    .transform((value) => value?.toLowerCase() === "true"),
  /** Shared key for the local `serve` API when it listens beyond loopback without Easy Auth in front. */
  API_KEY: optionalText,
  /** A second `serve` key that grants read access only (Mappings.Read). */
  API_READ_KEY: optionalText,
  /**
   * Where membership comes from: `adminservice` (the app reads ConfigMgr itself) or `pushed` (an on-premises
   * collector uploads snapshots to the app; no inbound path to the SMS Provider is needed).
   */
  SOURCE_MODE: z.enum(["adminservice", "pushed"], { message: 'SOURCE_MODE must be "adminservice" or "pushed"' }).default("adminservice"),
  /** In `pushed` mode, a snapshot not confirmed by a collector for this long blocks every removal (`source-stale`). */
  SNAPSHOT_MAX_AGE_MINUTES: intSetting("SNAPSHOT_MAX_AGE_MINUTES", 1, 7 * 24 * 60, 30),
  /**
   * In `pushed` mode, megabytes of uncommitted snapshot uploads one collection may hold at once (a part past it
   * gets 413); uploads nobody commits are deleted after an hour.
   */
  SNAPSHOT_STAGING_MAX_MB: intSetting("SNAPSHOT_STAGING_MAX_MB", 1, 16 * 1024, 256),
  /** The collector: the app's root URL (`https://<app>.azurewebsites.net`, or `serve`'s URL). */
  COLLECTOR_APP_URL: serviceUrl("COLLECTOR_APP_URL").optional(),
  /** The collector: seconds between two passes over the mapped collections. */
  COLLECTOR_INTERVAL_SECONDS: intSetting("COLLECTOR_INTERVAL_SECONDS", 5, 24 * 3600, 15),
  /**
   * The collector: the app's Application ID URI (e.g. `api://<client id>`); the collector asks Entra for
   * `<uri>/.default` with DefaultAzureCredential and holds the app role `Snapshots.Write`.
   */
  COLLECTOR_APP_ID_URI: optionalText,
  /** Where state-change notifications go (Teams Workflows, Slack, generic JSON); none: notifications off. */
  NOTIFY_WEBHOOK_URL: webhookReceivers,
  /** The app's public address, for links in notifications; in Azure WEBSITE_HOSTNAME stands in when unset. */
  NOTIFY_LINK_BASE_URL: serviceUrl("NOTIFY_LINK_BASE_URL").optional(),
  /** Set by App Service / Functions to the app's default host name. */
  WEBSITE_HOSTNAME: optionalText,
});

export type Settings = z.infer<typeof settingsSchema>;

/** Azure Functions timers use six fields (with seconds); `serve` schedules with the same expression. */
function isSixFieldCron(value: string): boolean {
  if (value.split(/\s+/).length !== 6) return false;
  try {
    CronExpressionParser.parse(value, { tz: "UTC" });
    return true;
  } catch {
    return false;
  }
}

/** Parses settings from an environment-like record; throws ConfigError listing every bad or missing value. */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(settingsSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== "") picked[key] = value;
  }
  const result = settingsSchema.safeParse(picked);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => issue.message));
  }
  const settings = result.data;
  const problems: string[] = [];
  if (settings.TABLES_CONNECTION !== undefined && settings.TABLES_ENDPOINT !== undefined) {
    problems.push("Set TABLES_CONNECTION or TABLES_ENDPOINT, not both");
  }
  if (settings.MULTITENANT_CERTIFICATE_PATH !== undefined && settings.MULTITENANT_CLIENT_ID === undefined) {
    problems.push("MULTITENANT_CERTIFICATE_PATH needs MULTITENANT_CLIENT_ID (the multi-tenant app registration)");
  }
  problems.push(...adminServiceAuthProblems(settings));
  problems.push(...serviceBusResourceProblems(settings));
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

/** Which AdminService settings each ADMINSERVICE_AUTH mode needs; the loopback simulator needs none. */
function adminServiceAuthProblems(settings: Settings): string[] {
  const problems: string[] = [];
  const remote = settings.ADMINSERVICE_URL !== undefined && !isLoopbackHttp(new URL(settings.ADMINSERVICE_URL));
  const mode = settings.ADMINSERVICE_AUTH;
  if (remote && mode === undefined) {
    problems.push(
      'ADMINSERVICE_AUTH is required for a remote AdminService: "negotiate" (Windows account, Kerberos), "entra-user" (ConfigMgr administrative user through a CMG, after `collection-sync adminservice sign-in`) or "entra-app" (app-only token, not documented by Microsoft)',
    );
  }
  if ((mode === "entra-user" || mode === "entra-app") && settings.ADMINSERVICE_SCOPE === undefined) {
    problems.push(`ADMINSERVICE_AUTH=${mode} needs ADMINSERVICE_SCOPE: the Entra scope of the ConfigMgr server app, e.g. https://ConfigMgrService/.default`);
  }
  if (mode === "entra-user" && settings.ADMINSERVICE_CLIENT_ID === undefined) {
    problems.push(
      "ADMINSERVICE_AUTH=entra-user needs ADMINSERVICE_CLIENT_ID: the public client app registration used to sign the ConfigMgr administrative user in",
    );
  }
  if (mode === "entra-user" && settings.AZURE_TENANT_ID === undefined) {
    problems.push("ADMINSERVICE_AUTH=entra-user needs AZURE_TENANT_ID: the tenant the ConfigMgr administrative user signs in to");
  }
  if (settings.ADMINSERVICE_KEYTAB !== undefined && settings.ADMINSERVICE_KEYTAB_BASE64 !== undefined) {
    problems.push("Set ADMINSERVICE_KEYTAB or ADMINSERVICE_KEYTAB_BASE64, not both");
  }
  const keytab = settings.ADMINSERVICE_KEYTAB ?? settings.ADMINSERVICE_KEYTAB_BASE64;
  if (keytab !== undefined && mode !== "negotiate") {
    problems.push("ADMINSERVICE_KEYTAB / ADMINSERVICE_KEYTAB_BASE64 are used only with ADMINSERVICE_AUTH=negotiate");
  }
  if (settings.ADMINSERVICE_KEYTAB_BASE64 !== undefined && !/^[A-Za-z0-9+/=\s]+$/.test(settings.ADMINSERVICE_KEYTAB_BASE64)) {
    problems.push("ADMINSERVICE_KEYTAB_BASE64 is not base64 text (in Azure: is the Key Vault reference resolved? see the app's Environment variables blade)");
  }
  return problems;
}

/** The dead-letter metric is read for the queue on SERVICEBUS_CONNECTION's namespace: both must name the same one. */
function serviceBusResourceProblems(settings: Settings): string[] {
  if (settings.SERVICEBUS_RESOURCE_ID === undefined) return [];
  const host = settings.SERVICEBUS_CONNECTION__fullyQualifiedNamespace;
  if (host === undefined) {
    return ["SERVICEBUS_RESOURCE_ID needs SERVICEBUS_CONNECTION__fullyQualifiedNamespace (the namespace whose queue it counts)"];
  }
  const named = serviceBusNamespaceName(settings.SERVICEBUS_RESOURCE_ID);
  const hostName = host.replace(/^[a-z]+:\/\//i, "").split(".")[0] ?? "";
  if (named.toLowerCase() === hostName.toLowerCase()) return [];
  return [`SERVICEBUS_RESOURCE_ID names the namespace "${named}" but SERVICEBUS_CONNECTION__fullyQualifiedNamespace is "${host}"`];
}

/** The Azure Functions app cannot run on embedded defaults: these settings are required there. */
export function requireCloudSettings(settings: Settings): void {
  const problems: string[] = [];
  if (settings.ADMINSERVICE_URL === undefined && settings.SOURCE_MODE === "adminservice") {
    problems.push("ADMINSERVICE_URL is required (the ConfigMgr AdminService root), unless SOURCE_MODE=pushed (an on-premises collector uploads snapshots)");
  }
  if (settings.TABLES_CONNECTION === undefined && settings.TABLES_ENDPOINT === undefined) {
    problems.push("TABLES_ENDPOINT (managed identity) or TABLES_CONNECTION is required");
  }
  if (settings.SERVICEBUS_CONNECTION__fullyQualifiedNamespace === undefined) {
    problems.push("SERVICEBUS_CONNECTION__fullyQualifiedNamespace is required (the Service Bus namespace)");
  }
  if (settings.ADMINSERVICE_AUTH === "entra-user" && settings.SOURCE_MODE === "adminservice" && settings.ADMINSERVICE_TOKEN_CACHE_SECRET_URI === undefined) {
    problems.push(
      "ADMINSERVICE_AUTH=entra-user needs ADMINSERVICE_TOKEN_CACHE_SECRET_URI in Azure: the Key Vault secret that keeps the signed-in user's token cache (docs/deploy.md)",
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

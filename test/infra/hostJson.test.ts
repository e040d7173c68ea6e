import { describe, expect, it } from "vitest";
import { z } from "zod";
import { FUNCTION_TIMEOUT_SECONDS, loadSettings } from "../../shared/config/settings.js";
import { LEASE_MARGIN_SECONDS } from "../../shared/core/ports/mappingState.js";
import { durationSeconds, onlyResource, params, pathValue, readRepoFile, stringLiteral } from "./support/bicep.js";
import { INFRA } from "./support/deployment.js";

/** The host.json properties of the Service Bus extension 5.x (extension bundle 4.x) this app may set. */
const SERVICE_BUS_5X_PROPERTIES = new Set([
  "clientRetryOptions",
  "prefetchCount",
  "transportType",
  "webProxy",
  "autoCompleteMessages",
  "maxAutoLockRenewalDuration",
  "maxConcurrentCalls",
  "maxConcurrentSessions",
  "maxMessageBatchSize",
  "minMessageBatchSize",
  "maxBatchWaitTime",
  "sessionIdleTimeout",
  "enableCrossEntityTransactions",
]);

const hostJsonSchema = z.object({
  version: z.literal("2.0"),
  functionTimeout: z.string(),
  extensionBundle: z.object({ id: z.literal("Microsoft.Azure.Functions.ExtensionBundle"), version: z.string() }),
  extensions: z.object({
    http: z.object({ routePrefix: z.string() }).optional(),
    serviceBus: z.record(z.string(), z.unknown()),
  }),
  logging: z.object({
    logLevel: z.record(z.string(), z.string()),
    applicationInsights: z.object({
      samplingSettings: z.object({ isEnabled: z.boolean(), excludedTypes: z.string().optional() }),
    }),
  }),
});

function hostJson() {
  return hostJsonSchema.parse(JSON.parse(readRepoFile("host.json")));
}

/** The queue's peek-lock duration as deployed. */
function queueLockSeconds(): number {
  const queue = onlyResource(readRepoFile(INFRA.serviceBus), "Microsoft.ServiceBus/namespaces/queues");
  return durationSeconds(stringLiteral(pathValue(queue.body, "properties", "lockDuration")) ?? "");
}

describe("host.json", () => {
  it("is a version 2.0 host file on the v4 extension bundle (Flex Consumption needs [4.0.0, 5.0.0) or later)", () => {
    const host = hostJson();
    expect(host.extensionBundle.version).toBe("[4.*, 5.0.0)");
  });

  it("configures the Service Bus trigger with the extension's own property names", () => {
    const serviceBus = hostJson().extensions.serviceBus;
    expect(Object.keys(serviceBus).filter((key) => !SERVICE_BUS_5X_PROPERTIES.has(key))).toEqual([]);
    expect(serviceBus.autoCompleteMessages).toBe(true);
    expect(serviceBus.maxConcurrentCalls).toEqual(expect.any(Number));
  });

  it("renews a job's lock for as long as the function may run, so no job is delivered twice at once", () => {
    const host = hostJson();
    const renewal = durationSeconds(String(host.extensions.serviceBus.maxAutoLockRenewalDuration));
    expect(renewal).toBeGreaterThanOrEqual(durationSeconds(host.functionTimeout));
    expect(renewal).toBeGreaterThanOrEqual(queueLockSeconds());
  });

  it("lets a sync run save progress and re-schedule itself before the host stops it", () => {
    const timeout = durationSeconds(hostJson().functionTimeout);
    const budget = params(readRepoFile(INFRA.resources)).find((p) => p.name === "syncTimeBudgetSeconds");
    const highestBudget = Number(/^@maxValue\((\d+)\)$/.exec(budget?.decorators.find((d) => d.startsWith("@maxValue")) ?? "")?.[1]);
    expect(Number(budget?.defaultValue)).toBeLessThan(timeout);
    expect(highestBudget + LEASE_MARGIN_SECONDS).toBeLessThanOrEqual(timeout);
    expect(loadSettings({}).SYNC_TIME_BUDGET_SECONDS).toBeLessThan(timeout);
  });

  it("keeps the Flex Consumption default timeout of 30 minutes, the one the settings check the run budget against", () => {
    expect(durationSeconds(hostJson().functionTimeout)).toBe(30 * 60);
    expect(durationSeconds(hostJson().functionTimeout)).toBe(FUNCTION_TIMEOUT_SECONDS);
  });

  it("serves the console at / and the API under /api from one catch-all route", () => {
    expect(hostJson().extensions.http?.routePrefix).toBe("");
  });

  it("keeps the app's information lines: invocation logs (Function) and the worker's console output (Host.Function.Console)", () => {
    const levels = hostJson().logging.logLevel;
    const verbose = new Set(["Trace", "Debug", "Information"]);
    for (const category of ["Function", "Host.Function.Console"]) {
      expect(verbose.has(levels[category] ?? levels.default ?? "Information"), category).toBe(true);
    }
  });

  it("never samples away the app's own log lines or failed invocations", () => {
    const sampling = hostJson().logging.applicationInsights.samplingSettings;
    const excluded = (sampling.excludedTypes ?? "").split(";");
    expect(sampling.isEnabled === false || ["Trace", "Request", "Exception"].every((type) => excluded.includes(type))).toBe(true);
  });
});

import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Logger } from "../../shared/logger.js";
import { loggerFor } from "../../shared/scheduling/invocationLogger.js";
import { logRun } from "../../shared/sync/runLog.js";
import type { SyncDeps } from "../../shared/sync/syncDeps.js";
import { emptyCounts, type SyncRun } from "../../shared/core/syncRun.js";
import { readRepoFile, repoRoot } from "./support/bicep.js";

/**
 * The alerts and the workbook (infra/modules/alerts.bicep, workbook.bicep) query the app's log lines. A renamed
 * message or property would leave an alert that never fires, with nothing to say so: these tests hold each
 * query's events and fields to what the code really writes.
 */
const QUERIES = "infra/modules/queries";
const queryFiles = () => readdirSync(`${repoRoot}${QUERIES}`).filter((file) => file.endsWith(".kql"));
const query = (file: string) => readRepoFile(`${QUERIES}/${file}`);
const operatingQueries = () => [...readRepoFile("docs/operating.md").matchAll(/```kusto\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");

/** Every source file of the app (shared/ and functions/). */
function sources(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(`${repoRoot}${dir}`, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) files.set(path, readRepoFile(path));
    }
  };
  walk("shared");
  walk("functions");
  return files;
}

/** The literal start of every message the code logs: `"text"`, or a template literal up to its first `${`. */
function loggedMessages(): string[] {
  const messages: string[] = [];
  for (const text of sources().values()) {
    for (const match of text.matchAll(/\.(?:info|warn|error)\(\s*(?:"([^"]*)"|`([^`$]*))/g)) messages.push(match[1] ?? match[2] ?? "");
  }
  return messages.filter((message) => message.length >= 5);
}

/** `event == "x"` and `event startswith "x"` in a query. */
function eventsOf(kql: string): { operator: "==" | "startswith"; text: string }[] {
  return [...kql.matchAll(/\bevent\s+(==|startswith)\s+"([^"]+)"/g)].map((match) => ({ operator: match[1] as "==" | "startswith", text: match[2] ?? "" }));
}

function logged(event: { operator: "==" | "startswith"; text: string }, messages: readonly string[]): boolean {
  return messages.some((message) =>
    event.operator === "==" ? message === event.text : message.startsWith(event.text) || (event.text.startsWith(message) && message.endsWith(" ")),
  );
}

/** What one sync run really logs, through the same line format Application Insights receives. */
function runLines(status: SyncRun["status"]): Record<string, unknown>[] {
  const lines: string[] = [];
  const sink = {
    info: (line: unknown) => lines.push(String(line)),
    warn: (line: unknown) => lines.push(String(line)),
    error: (line: unknown) => lines.push(String(line)),
  };
  const log: Logger = loggerFor(sink);
  const counts = { ...emptyCounts(), added: 3, removed: 1, skipped: { ...emptyCounts().skipped, "no-entra-id": 2 } };
  const run: SyncRun = {
    runId: "run-1",
    mappingKey: "SMS00001_g",
    collectionId: "SMS00001",
    groupId: "g",
    tenantId: null,
    mode: "managed",
    trigger: "schedule",
    status,
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: "2026-01-01T00:00:01Z",
    durationMs: 1000,
    counts,
    graphRequests: 4,
    adminServiceRequests: 2,
    throttledWaitMs: 0,
    blockedBy: status === "blocked" ? "removal-threshold" : null,
    message: "why",
    errors: [],
    preview: null,
    retryAfterMs: null,
  };
  logRun({ log } as unknown as SyncDeps, run);
  return lines.map((line) => JSON.parse(line.slice(line.indexOf("{"))) as Record<string, unknown>);
}

describe("the alert and workbook queries read what the app logs", () => {
  it("loads every query file the Bicep names, and every query file is used", () => {
    const bicep = ["infra/modules/alerts.bicep", "infra/modules/workbook.bicep"].map(readRepoFile).join("\n");
    const loaded = [...bicep.matchAll(/loadTextContent\('queries\/([^']+)'\)/g)].map((match) => match[1] ?? "");
    for (const file of loaded) expect(existsSync(`${repoRoot}${QUERIES}/${file}`), file).toBe(true);
    expect(queryFiles().filter((file) => !loaded.includes(file))).toEqual([]);
  });

  it.each(["alert and workbook queries", "docs/operating.md queries"])("names only events the code logs (%s)", (which) => {
    const texts = which.startsWith("docs") ? operatingQueries() : queryFiles().map(query);
    const messages = loggedMessages();
    const unknown = texts.flatMap(eventsOf).filter((event) => !logged(event, messages));
    expect(unknown).toEqual([]);
    expect(texts.flatMap(eventsOf).length).toBeGreaterThan(3);
  });

  it("reads run fields a failed, blocked or finished run really carries", () => {
    const runQueries = queryFiles()
      .map(query)
      .filter((kql) => /event startswith "Sync run/.test(kql));
    // props.metric only tells metric lines apart (a run's own line has none).
    const fields = new Set(
      runQueries.flatMap((kql) => [...kql.matchAll(/props\.(\w+)/g)].map((match) => match[1] ?? "")).filter((field) => field !== "metric"),
    );
    expect([...fields]).toEqual(expect.arrayContaining(["mappingKey", "blockedBy", "skippedByReason"]));
    for (const status of ["failed", "blocked", "succeeded"] as const) {
      const line = runLines(status).find((entry) => entry.status === status && entry.metric === undefined);
      const missing = [...fields].filter((field) => !(field in (line ?? {})));
      expect(missing, status).toEqual([]);
    }
  });

  it("charts the member metrics under the names and fields the run writes", () => {
    const kql = query("workbook-members.kql");
    const metrics = [...kql.matchAll(/"(collectionSync\.\w+)"/g)].map((match) => match[1] ?? "");
    const written = runLines("succeeded").filter((entry) => entry.metric !== undefined);
    expect(metrics).toEqual(["collectionSync.membersAdded", "collectionSync.membersRemoved"]);
    for (const metric of metrics) expect(written.find((entry) => entry.metric === metric)?.value, metric).toBeTypeOf("number");
  });

  it("reads scheduler and throttling fields from the calls that log them", () => {
    const files = sources();
    const expectations: [string, string, string][] = [
      ["mapping-quarantined.kql", "skippedQuarantined", "shared/scheduling/planScheduledJobs.ts"],
      ["workbook-throttling.kql", "throttledAnswers", "shared/graph/transport.ts"],
      ["workbook-throttling.kql", "tenantId", "shared/graph/transport.ts"],
      ["workbook-throttling.kql", "waitMs", "shared/graph/transport.ts"],
    ];
    for (const [file, field, source] of expectations) {
      expect(query(file), file).toContain(`props.${field}`);
      expect(files.get(source), source).toMatch(new RegExp(`\\b${field}\\b`));
    }
  });

  it("finds a collector's confirm and commit calls under the routes the API serves", () => {
    const routes = readRepoFile("shared/api/snapshotRoutes.ts");
    const pattern = /url matches regex @"([^"]+)"/.exec(query("snapshot-age.kql"))?.[1] ?? "";
    const asUrl = (route: string) =>
      `https://func-csync-x.azurewebsites.net/api${route.replace(":collectionId", "SMS00042").replace(":snapshotId", "0123abcd")}`;
    for (const action of ["confirm", "commit"]) {
      const route = new RegExp(`pattern: "(/collections/:collectionId/snapshots/:snapshotId/${action})"`).exec(routes)?.[1];
      expect(route, action).toBeDefined();
      expect(new RegExp(pattern).test(asUrl(route ?? "")), action).toBe(true);
    }
    expect(new RegExp(pattern).test(asUrl("/collections/:collectionId/snapshots/:snapshotId/parts/0"))).toBe(false);
  });
});

describe("the alerts (infra/modules/alerts.bicep)", () => {
  const alerts = () => readRepoFile("infra/modules/alerts.bicep");

  it("exist for what docs/operating.md recommends watching", () => {
    const keys = [...alerts().matchAll(/key: '([\w-]+)'/g)].map((match) => match[1]);
    expect(keys.sort()).toEqual(["failed-runs", "mapping-blocked", "mapping-quarantined", "scheduler-heartbeat", "snapshot-stale"]);
    expect(alerts()).toMatch(/metricName: 'DeadletteredMessages'/);
  });

  it("resolve themselves when the condition clears", () => {
    const rules = alerts()
      .split(/^resource /m)
      .filter((block) => /Microsoft\.Insights\/(scheduledQueryRules|metricAlerts)/.test(block));
    expect(rules.length).toBe(2);
    for (const rule of rules) expect(rule).toMatch(/^\s+autoMitigate: true$/m);
  });

  it("watch the stale snapshot only in pushed mode, with the app's own SNAPSHOT_MAX_AGE_MINUTES", () => {
    expect(alerts()).toMatch(/sourceMode == 'pushed'\s*\?\s*\[\s*\{\s*key: 'snapshot-stale'/);
    expect(alerts()).toMatch(/threshold: snapshotMaxAgeMinutes/);
    // A stopped collector's collections stay in the query's view for a day, so the alert keeps firing.
    expect(alerts()).toMatch(/dimension: 'collectionId'[\s\S]*queryRange: 'P1D'/);
    expect(alerts()).toContain("overrideQueryTimeRange: empty(alert.queryRange) ? null : alert.queryRange");
    expect(readRepoFile("infra/resources.bicep")).toMatch(/snapshotMaxAgeMinutes: snapshotMaxAgeMinutes\n[\s\S]*module workbook/);
  });
});

import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { emptyCounts, type MemberReportEntry, type SyncRun } from "../../shared/core/syncRun.js";
import { createTableStores } from "../../shared/storage/tableStores.js";
import { testTablesConnection, uniqueTablePrefix } from "../support/tables.js";

const KEY = "PS100012_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5";
const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const DAY = 24 * 60 * 60 * 1000;

function run(runId: string, startedAt: string): SyncRun {
  return {
    runId,
    mappingKey: KEY,
    collectionId: "PS100012",
    groupId: "0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5",
    tenantId: null,
    mode: "additive",
    trigger: "schedule",
    status: "succeeded",
    startedAt,
    finishedAt: startedAt,
    durationMs: 1,
    counts: emptyCounts(),
    graphRequests: 0,
    adminServiceRequests: 0,
    throttledWaitMs: 0,
    blockedBy: null,
    message: "",
    errors: [],
    preview: null,
    retryAfterMs: null,
  };
}

function member(n: number): MemberReportEntry {
  const outcome = (["added", "removed", "skipped", "failed"] as const)[n % 4] ?? "added";
  return {
    outcome,
    reason: outcome === "skipped" ? "hybrid-joined" : null,
    resourceId: outcome === "removed" ? null : 16_777_216 + n,
    name: outcome === "removed" ? null : `PC-${n}, "Finance"`,
    entraId: outcome === "removed" ? null : guid(n + 1_000_000),
    objectId: guid(n),
    error: outcome === "failed" ? "Request_ResourceNotFound: Resource does not exist." : null,
  };
}

/** A run's report that lists every member it covers. */
const listing = (entries: MemberReportEntry[]) => ({ entries, truncated: 0 });

function stores() {
  const tablePrefix = uniqueTablePrefix();
  const connectionString = testTablesConnection();
  const all = createTableStores({ connectionString }, { tablePrefix });
  const reportRows = async () => {
    const client = TableClient.fromConnectionString(connectionString, `${tablePrefix}runReports`, { allowInsecureConnection: true });
    let rows = 0;
    for await (const _ of client.listEntities({ queryOptions: { select: ["RowKey"] } })) rows += 1;
    return rows;
  };
  return { runs: all.runs, reportRows };
}

describe("per-member run reports", () => {
  it("keeps every added, removed, skipped and failed member of a run, with names, ids, reasons and Graph's error", async () => {
    const { runs } = stores();
    const entries = Array.from({ length: 40 }, (_, n) => member(n));
    await runs.record(run("r1", "2026-03-01T00:00:00.000Z"), listing(entries));
    expect(await runs.report(KEY, "r1")).toEqual({ entries, truncated: 0 });
    expect((await runs.get(KEY, "r1"))?.runId).toBe("r1");
  });

  it("stores a 100,000-member first sync in a handful of rows, not one row per member", async () => {
    const { runs, reportRows } = stores();
    const entries = Array.from({ length: 100_000 }, (_, n) => ({ ...member(n * 4), error: null }));
    await runs.record(run("big", "2026-03-01T00:00:00.000Z"), listing(entries));
    expect(await reportRows()).toBeLessThanOrEqual(12);
    const report = await runs.report(KEY, "big");
    expect(report?.entries.length).toBe(100_000);
    expect(report?.entries[99_999]).toEqual(entries[99_999]);
  });

  it("says how many members the run left out of its report beside the ones it lists", async () => {
    const { runs } = stores();
    const entries = Array.from({ length: 10 }, (_, n) => member(n));
    await runs.record(run("bounded", "2026-03-01T00:00:00.000Z"), { entries, truncated: 990 });
    expect(await runs.report(KEY, "bounded")).toEqual({ entries, truncated: 990 });
  });

  it("answers null for a run without a report and for an unknown run", async () => {
    const { runs } = stores();
    await runs.record(run("old", "2026-03-01T00:00:00.000Z"));
    expect(await runs.report(KEY, "old")).toBeNull();
    expect(await runs.report(KEY, "nope")).toBeNull();
    expect(await runs.get(KEY, "nope")).toBeNull();
  });

  it("deletes runs and their reports once they are older than the retention, counted from the mapping's newest run", async () => {
    const { runs, reportRows } = stores();
    const start = Date.parse("2026-01-01T00:00:00.000Z");
    await runs.record(run("ancient", new Date(start).toISOString()), listing([member(2)]));
    await runs.record(run("recent", new Date(start + 80 * DAY).toISOString()), listing([member(2)]));
    expect(await reportRows()).toBe(2);
    await runs.record(run("newest", new Date(start + 91 * DAY).toISOString()), listing([member(2)]));
    expect((await runs.list(KEY)).items.map((r) => r.runId)).toEqual(["newest", "recent"]);
    expect(await runs.report(KEY, "ancient")).toBeNull();
    expect(await reportRows()).toBe(2);
  });

  it("deletes every report with the mapping's history", async () => {
    const { runs, reportRows } = stores();
    await runs.record(run("a", "2026-03-01T00:00:00.000Z"), listing([member(0), member(1)]));
    await runs.deleteAll(KEY);
    expect(await reportRows()).toBe(0);
    expect(await runs.get(KEY, "a")).toBeNull();
  });
});

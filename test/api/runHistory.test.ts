import { describe, expect, it } from "vitest";
import { membersCsv } from "../../shared/reports/memberCsv.js";
import type { SyncRun } from "../../shared/core/syncRun.js";
import { harnessPerTest, responseText } from "./apiHarness.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";
import { READER, WRITER } from "./principals.js";
import { finishedRun } from "./runFixture.js";

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true } });
const pilot = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };
const pilotPath = `/mappings/${pilot.collectionId}/${pilot.groupId}`;

describe("run history", () => {
  it("pages through every run and can hide the runs that changed nothing", async () => {
    const h = await start();
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: pilot })).status).toBe(201);
    const t0 = Date.parse("2025-03-01T08:00:00Z");
    const unchanged = (run: SyncRun): SyncRun => ({ ...run, status: "skipped-unchanged", counts: { ...run.counts, added: 0 } });
    const quiet = (run: SyncRun): SyncRun => ({ ...run, counts: { ...run.counts, added: 0 } });
    // 30 ticks: a change every 10th, a succeeded run with nothing to do at 5, unchanged skips otherwise.
    for (let i = 0; i < 30; i++) {
      const run = finishedRun(pilot, t0 + i * 300_000, `run-${String(i).padStart(2, "0")}`);
      await h.stores.runs.record(i % 10 === 0 ? run : i === 5 ? quiet(run) : unchanged(run));
    }
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page: { body: { items: { runId: string; statusLabel: string; triggerLabel: string }[]; continuationToken: string | null } } = await h.call(
        "GET",
        `${pilotPath}/runs?pageSize=7${token === null ? "" : `&continuationToken=${encodeURIComponent(token)}`}`,
        { headers: READER },
      );
      seen.push(...page.body.items.map((r) => r.runId));
      token = page.body.continuationToken;
    } while (token !== null);
    expect(seen).toHaveLength(30);
    expect(seen[0]).toBe("run-29");

    const changes = await h.call("GET", `${pilotPath}/runs?hideUnchanged=true`, { headers: READER });
    expect(changes.body.items.map((r: { runId: string }) => r.runId)).toEqual(["run-20", "run-10", "run-00"]);
    expect(changes.body.items[0]).toMatchObject({ statusLabel: "Succeeded", triggerLabel: "Schedule", approvedBy: null });
    expect((await h.call("GET", `${pilotPath}/runs?hideUnchanged=maybe`, { headers: READER })).status).toBe(400);
  });
});

describe("member report search and CSV", () => {
  it("finds members by the labels shown on screen, and the CSV follows the same filter", async () => {
    const h = await start();
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: pilot })).status).toBe(201);
    const run = await h.deps.sync({ ...pilot, trigger: "manual" });
    const byLabel = await h.call("GET", `${pilotPath}/runs/${run.runId}/members?search=Added`, { headers: READER });
    expect(byLabel.body.total).toBe(2);
    const byName = await h.call("GET", `${pilotPath}/runs/${run.runId}/members?search=pc-002`, { headers: READER });
    expect(byName.body.items.map((m: { name: string }) => m.name)).toEqual(["PC-002"]);

    const csv = await h.api.handle({
      method: "GET",
      path: `${pilotPath}/runs/${run.runId}/members`,
      query: new URLSearchParams({ format: "csv", search: "pc-002" }),
      headers: READER,
    });
    const lines = (await responseText(csv)).split("\r\n").filter((line) => line !== "");
    expect(lines[0]?.startsWith("\uFEFFoutcome,")).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^added,,16777218,PC-002,/);
  });

  it("guards every field a spreadsheet would run as a formula, fullwidth forms and line breaks included", () => {
    const names = ["=HYPERLINK(1)", "+1", "-1", "@SUM(1)", "\tTAB", "\rCR", "\nLF", "＝1+1", "＋1", "－1", "＠A1", "PC-01", "Zoë's PC"];
    const text = membersCsv(
      names.map((name) => ({ outcome: "skipped", reason: "no-entra-id", resourceId: 1, name, entraId: null, objectId: null, error: null })),
    );
    const nameFields = text
      .slice(1)
      .split(/\r\n(?=skipped)/)
      .slice(1)
      .map((row) => row.split(",")[3]);
    expect(nameFields).toEqual([
      "'=HYPERLINK(1)",
      "'+1",
      "'-1",
      "'@SUM(1)",
      "'\tTAB",
      '"\'\rCR"',
      '"\'\nLF"',
      "'＝1+1",
      "'＋1",
      "'－1",
      "'＠A1",
      "PC-01",
      "Zoë's PC",
    ]);
  });
});

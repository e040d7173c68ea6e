import { describe, expect, it } from "vitest";
import { PROBLEM_BASE } from "../../shared/api/problems.js";
import { mappingKeyOf } from "../../shared/core/ids.js";
import { initialState } from "../../shared/core/ports/mappingState.js";
import { harnessPerTest, type ApiHarness } from "./apiHarness.js";
import { COLLECTIONS, DEVICES, GROUPS } from "./apiSeed.js";
import { WRITER } from "./principals.js";
import { finishedRun } from "./runFixture.js";

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true } });

const pilot = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };
const pilotPath = `/mappings/${pilot.collectionId}/${pilot.groupId}`;

async function startWithPilot(body: Record<string, unknown> = {}): Promise<ApiHarness> {
  const h = await start();
  const created = await h.call("POST", "/mappings", { headers: WRITER, body: { ...pilot, ...body } });
  expect(created.status).toBe(201);
  return h;
}

describe("sync now", () => {
  it("answers 202 with a job id and enqueues exactly one manual job", async () => {
    const h = await startWithPilot();
    const answer = await h.call("POST", `${pilotPath}/sync`, { headers: WRITER });
    expect(answer.status).toBe(202);
    expect(answer.headers.location).toBe(`/api${pilotPath}/runs`);
    expect(h.queue.sent).toHaveLength(1);
    expect(h.queue.sent[0]).toMatchObject({ ...pilot, trigger: "manual", attempt: 0, jobId: answer.body.jobId });
    expect(h.logs.find((entry) => entry.message === "manual sync queued")?.properties.by).toBe("writer@contoso.com");
  });

  it("refuses to sync a disabled mapping or one that does not exist, and enqueues nothing", async () => {
    const h = await startWithPilot({ enabled: false });
    const disabled = await h.call("POST", `${pilotPath}/sync`, { headers: WRITER });
    expect(disabled.status).toBe(409);
    expect(disabled.body.type).toBe(`${PROBLEM_BASE}mapping-disabled`);
    const missing = await h.call("POST", `/mappings/${pilot.collectionId}/${GROUPS.assigned2}/sync`, { headers: WRITER });
    expect(missing.status).toBe(404);
    expect(h.queue.sent).toEqual([]);
  });
});

describe("run history", () => {
  it("pages through runs newest first", async () => {
    const h = await startWithPilot();
    const start = Date.parse("2025-03-01T08:00:00Z");
    for (let i = 0; i < 5; i++) await h.stores.runs.record(finishedRun(pilot, start + i * 300_000, `run-${i}`));

    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query: string = token === null ? "?pageSize=2" : `?pageSize=2&continuationToken=${encodeURIComponent(token)}`;
      const page = await h.call("GET", `${pilotPath}/runs${query}`, { headers: WRITER });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((run: { runId: string }) => run.runId));
      token = page.body.continuationToken;
      pages += 1;
    } while (token !== null);
    expect(seen).toEqual(["run-4", "run-3", "run-2", "run-1", "run-0"]);
    expect(pages).toBe(3);
  });

  it("answers 404 for the runs of a mapping that does not exist", async () => {
    const h = await startWithPilot();
    const answer = await h.call("GET", `/mappings/${pilot.collectionId}/${GROUPS.assigned2}/runs`, { headers: WRITER });
    expect(answer.status).toBe(404);
  });
});

describe("preview", () => {
  it("shows what a sync would add without writing to the group or recording a run", async () => {
    const h = await startWithPilot();
    const answer = await h.call("GET", `${pilotPath}/preview`, { headers: WRITER });
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe("preview");
    expect(answer.body.preview).toMatchObject({ toAddCount: 2, toRemoveCount: 0, truncated: false });
    expect([...answer.body.preview.toAdd].sort()).toEqual(DEVICES.map((d) => d.id).sort());
    expect(h.tenant.groupMemberIds(GROUPS.assigned)).toEqual([]);
    expect((await h.stores.runs.list(mappingKeyOf(pilot))).items).toEqual([]);
  });

  it("cuts the member lists at the limit but keeps exact counts", async () => {
    const h = await startWithPilot();
    const answer = await h.call("GET", `${pilotPath}/preview?limit=1`, { headers: WRITER });
    expect(answer.body.preview.toAdd).toHaveLength(1);
    expect(answer.body.preview).toMatchObject({ toAddCount: 2, truncated: true });
  });
});

describe("approving a blocked change", () => {
  it("records the caller as approver of exactly the blocked change", async () => {
    const h = await startWithPilot({ mode: "managed" });
    const key = mappingKeyOf(pilot);
    const blocked = {
      guard: "removal-threshold" as const,
      message: "Would remove 40 of 100 members.",
      fingerprint: "f-40",
      removeCount: 40,
      at: "2025-03-01T08:00:00.000Z",
    };
    await h.stores.state.save({ ...initialState(key), blocked, health: "degraded" });

    const read = await h.call("GET", pilotPath, { headers: WRITER });
    expect(read.body.state.blocked).toMatchObject({ guard: "removal-threshold", removeCount: 40 });

    const answer = await h.call("POST", `${pilotPath}/approve`, { headers: WRITER });
    expect(answer.status).toBe(200);
    expect(answer.body.approval).toMatchObject({ by: "writer@contoso.com", fingerprint: "f-40" });
    expect((await h.stores.state.get(key)).approval?.by).toBe("writer@contoso.com");
    expect(h.logs.some((entry) => entry.level === "warn" && JSON.stringify(entry.properties).includes("writer@contoso.com"))).toBe(true);
  });

  it("answers 409 nothing-to-approve when nothing is blocked", async () => {
    const h = await startWithPilot();
    const answer = await h.call("POST", `${pilotPath}/approve`, { headers: WRITER });
    expect(answer.status).toBe(409);
    expect(answer.body.type).toBe(`${PROBLEM_BASE}nothing-to-approve`);
  });
});

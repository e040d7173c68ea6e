import { describe, expect, it } from "vitest";
import { createInProcessJobQueue } from "../../shared/queue/inProcessJobQueue.js";
import { BUSY_SNAPSHOT_RETRY_MS, MAX_RESCHEDULES, processSyncJob } from "../../shared/scheduling/processSyncJob.js";
import type { SyncRequest } from "../../shared/sync/syncDeps.js";
import type { SyncRun } from "../../shared/core/syncRun.js";
import { fakeClock } from "./fakeClock.js";
import { logRecorder } from "./logRecorder.js";
import { syncJob } from "./mappingFixtures.js";
import { fakeRunSync } from "./runFixtures.js";

function worker(runSync: (request: SyncRequest) => Promise<SyncRun>) {
  const clock = fakeClock();
  const log = logRecorder();
  const queue = createInProcessJobQueue({ clock, log, concurrency: 1, handler: async () => {} });
  return { clock, log, queue, deps: { runSync, queue, clock, log } };
}

describe("sync worker", () => {
  it.each([
    ["not JSON", "{oops"],
    ["no group id", JSON.stringify({ ...syncJob(), groupId: undefined })],
    ["a collection id that is not one", { ...syncJob(), collectionId: "PS1'; DROP" }],
    ["nothing", null],
  ])("completes a malformed message (%s) without a sync", async (_label, message) => {
    const engine = fakeRunSync(() => ({ status: "succeeded" }));
    const { deps, log } = worker(engine.runSync);

    const outcome = await processSyncJob(deps, message);

    expect(outcome.kind).toBe("malformed");
    expect(engine.requests).toEqual([]);
    expect(log.entries).toEqual([expect.objectContaining({ level: "error", message: "sync job message is malformed; completing it without a sync" })]);
  });

  it("syncs the job's mapping whether the body arrives as an object, JSON text or bytes", async () => {
    const engine = fakeRunSync(() => ({ status: "succeeded" }));
    const { deps } = worker(engine.runSync);
    const job = syncJob({ collectionId: "ps100012" });
    for (const message of [job, JSON.stringify(job), Buffer.from(JSON.stringify(job))]) {
      expect((await processSyncJob(deps, message)).kind).toBe("completed");
    }
    expect(engine.requests).toEqual(Array(3).fill({ collectionId: "PS100012", groupId: job.groupId, trigger: "schedule" }));
  });

  it("logs one line per job with ids, status and counts", async () => {
    const engine = fakeRunSync(() => ({ status: "succeeded" }));
    const { deps, log } = worker(engine.runSync);
    const job = syncJob();

    const outcome = await processSyncJob(deps, job);

    expect(log.entries).toHaveLength(1);
    const [entry] = log.entries;
    expect(entry?.properties).toMatchObject({
      jobId: job.jobId,
      runId: outcome.kind === "completed" ? outcome.run.runId : "?",
      mappingKey: `${job.collectionId}_${job.groupId}`,
      status: "succeeded",
      durationMs: 3000,
      counts: expect.objectContaining({ source: 120, added: 7 }),
    });
  });

  it("completes a run that failed for a permanent reason and schedules nothing", async () => {
    const engine = fakeRunSync(() => ({ status: "failed", message: "The group is dynamic: members cannot be added." }));
    const { deps, queue, log } = worker(engine.runSync);

    const outcome = await processSyncJob(deps, syncJob());

    expect(outcome.kind).toBe("completed");
    expect(queue.scheduled()).toEqual([]);
    expect(log.entries[0]?.level).toBe("warn");
  });

  it("completes when another worker holds the mapping's lease", async () => {
    const engine = fakeRunSync(() => ({ status: "skipped-leased" }));
    const { deps, queue } = worker(engine.runSync);
    expect((await processSyncJob(deps, syncJob())).kind).toBe("completed");
    expect(queue.scheduled()).toEqual([]);
  });

  it("brings a snapshot's job back shortly when another run holds the mapping (that run may predate the snapshot)", async () => {
    const engine = fakeRunSync(() => ({ status: "skipped-leased" }));
    const { deps, queue, clock } = worker(engine.runSync);
    const job = syncJob({ trigger: "snapshot" });

    const outcome = await processSyncJob(deps, job);

    expect(outcome.kind).toBe("rescheduled");
    expect(queue.scheduled()).toEqual([
      { job: expect.objectContaining({ jobId: `${job.jobId}_r1`, trigger: "snapshot", attempt: 1 }), at: clock.now() + BUSY_SNAPSHOT_RETRY_MS },
    ]);
  });

  it("schedules the mapping again after the engine's retry-after when throttling outlasts the run", async () => {
    const engine = fakeRunSync(() => ({ status: "rescheduled", retryAfterMs: 90_000 }));
    const { deps, queue, clock } = worker(engine.runSync);
    const job = syncJob();

    const outcome = await processSyncJob(deps, job);

    const at = clock.now() + 90_000;
    const next = { ...job, jobId: `${job.jobId}_r1`, trigger: "retry", attempt: 1, enqueuedAt: new Date(clock.now()).toISOString() };
    expect(outcome).toMatchObject({ kind: "rescheduled", next, at });
    expect(queue.scheduled()).toEqual([{ job: next, at }]);
  });

  it("numbers follow-up jobs so a redelivered message does not schedule twice", async () => {
    const engine = fakeRunSync(() => ({ status: "rescheduled", retryAfterMs: 30_000 }));
    const { deps, queue } = worker(engine.runSync);
    const job = syncJob({ jobId: "PS100012_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5_202503100905_r1", attempt: 1, trigger: "retry" });

    await processSyncJob(deps, job);
    await processSyncJob(deps, job); // the host delivered the same message again

    expect(queue.scheduled().map((s) => s.job.jobId)).toEqual(["PS100012_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5_202503100905_r2"]);
  });

  it("waits a minute when the engine asks for a re-schedule without a retry-after", async () => {
    const engine = fakeRunSync(() => ({ status: "rescheduled", retryAfterMs: null }));
    const { deps, clock } = worker(engine.runSync);
    expect(await processSyncJob(deps, syncJob())).toMatchObject({ kind: "rescheduled", at: clock.now() + 60_000 });
  });

  it(`stops re-scheduling after ${MAX_RESCHEDULES} attempts and leaves the mapping to the next tick`, async () => {
    const engine = fakeRunSync(() => ({ status: "rescheduled", retryAfterMs: 30_000 }));
    const { deps, queue, log } = worker(engine.runSync);

    const outcome = await processSyncJob(deps, syncJob({ attempt: MAX_RESCHEDULES, trigger: "retry" }));

    expect(outcome.kind).toBe("retries-exhausted");
    expect(queue.scheduled()).toEqual([]);
    expect(log.entries[0]?.level).toBe("error");
  });

  it("lets an unexpected fault propagate so the host redelivers the message", async () => {
    const { deps, queue } = worker(async () => {
      throw new Error("connect ETIMEDOUT 10.0.0.4:443");
    });
    await expect(processSyncJob(deps, syncJob())).rejects.toThrow("ETIMEDOUT");
    expect(queue.scheduled()).toEqual([]);
  });

  it("behind the in-process queue, a job whose sync keeps failing is delivered 10 times, then dead-lettered", async () => {
    const clock = fakeClock();
    const log = logRecorder();
    let attempts = 0;
    const runSync = async (): Promise<SyncRun> => {
      attempts += 1;
      throw new Error("503 Service Unavailable from the AdminService");
    };
    const queue = createInProcessJobQueue({
      clock,
      log,
      concurrency: 2,
      handler: async (job) => void (await processSyncJob({ runSync, queue, clock, log }, job)),
    });

    await queue.send([syncJob()]);
    await queue.drain();

    expect(attempts).toBe(10);
    expect(await queue.deadLetterCount()).toBe(1);
  });
});

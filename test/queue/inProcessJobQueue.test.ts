import { describe, expect, it } from "vitest";
import { createInProcessJobQueue } from "../../shared/queue/inProcessJobQueue.js";
import type { SyncJob } from "../../shared/core/syncJob.js";
import { fakeClock } from "../scheduling/fakeClock.js";
import { logRecorder } from "../scheduling/logRecorder.js";
import { syncJob } from "../scheduling/mappingFixtures.js";

function recordingQueue(options: { concurrency?: number; fail?: (job: SyncJob, delivery: number) => boolean } = {}) {
  const clock = fakeClock();
  const log = logRecorder();
  const deliveries: string[] = [];
  const queue = createInProcessJobQueue({
    clock,
    log,
    concurrency: options.concurrency ?? 4,
    handler: async (job) => {
      deliveries.push(job.jobId);
      const count = deliveries.filter((id) => id === job.jobId).length;
      if (options.fail?.(job, count) === true) throw new Error(`Graph said 503 for ${job.jobId}`);
    },
  });
  return { clock, log, deliveries, queue };
}

describe("in-process job queue", () => {
  it("delivers a job sent twice with the same id once, like Service Bus duplicate detection", async () => {
    const { queue, deliveries } = recordingQueue();
    const job = syncJob();
    await queue.send([job]);
    await queue.send([job, { ...job, enqueuedAt: "2025-03-10T09:05:01.000Z" }]);
    await queue.drain();
    expect(deliveries).toEqual([job.jobId]);
  });

  it("accepts the same id again once the duplicate-detection window has passed", async () => {
    const { queue, deliveries, clock } = recordingQueue();
    const job = syncJob();
    await queue.send([job]);
    clock.advance(10 * 60_000);
    await queue.send([job]);
    await queue.drain();
    expect(deliveries).toEqual([job.jobId, job.jobId]);
  });

  it("delivers a failing job again at once and dead-letters it after the 10th failed delivery", async () => {
    const { queue, deliveries, log } = recordingQueue({ fail: () => true });
    const job = syncJob();
    await queue.send([job]);
    await queue.drain();
    expect(deliveries).toHaveLength(10);
    expect(await queue.deadLetterCount()).toBe(1);
    expect(queue.deadLettered()).toEqual([{ job, deliveryCount: 10, lastError: `Graph said 503 for ${job.jobId}` }]);
    expect(log.entries.filter((e) => e.level === "warn")).toHaveLength(9);
    expect(log.entries.filter((e) => e.level === "error")).toHaveLength(1);
  });

  it("does not dead-letter a job that succeeds on a later delivery", async () => {
    const { queue, deliveries } = recordingQueue({ fail: (_job, delivery) => delivery < 3 });
    const job = syncJob();
    await queue.send([job]);
    await queue.drain();
    expect(deliveries).toHaveLength(3);
    expect(await queue.deadLetterCount()).toBe(0);
  });

  it("never runs more jobs at once than its concurrency", async () => {
    const clock = fakeClock();
    let running = 0;
    let most = 0;
    const waiting: Array<() => void> = [];
    const queue = createInProcessJobQueue({
      clock,
      log: logRecorder(),
      concurrency: 3,
      handler: () =>
        new Promise<void>((resolve) => {
          running += 1;
          most = Math.max(most, running);
          waiting.push(() => {
            running -= 1;
            resolve();
          });
        }),
    });
    await queue.send(Array.from({ length: 10 }, () => syncJob()));
    let finished = 0;
    const drained = queue.drain().then(() => "drained");
    while (finished < 10) {
      expect(waiting.length).toBeLessThanOrEqual(3);
      const next = waiting.shift();
      if (next === undefined) throw new Error("no job is running although some are waiting");
      next();
      finished += 1;
      await new Promise(setImmediate); // let the queue start the next job
    }
    expect(await drained).toBe("drained");
    expect(most).toBe(3);
  });

  it("holds a scheduled job until its time, then delivers it", async () => {
    const { queue, deliveries, clock } = recordingQueue();
    const job = syncJob({ attempt: 1, trigger: "retry" });
    const at = clock.now() + 45_000;
    await queue.schedule(job, at);
    await queue.drain();
    expect(deliveries).toEqual([]);
    expect(queue.scheduled()).toEqual([{ job, at }]);

    clock.advance(44_999);
    queue.deliverDue();
    await queue.drain();
    expect(deliveries).toEqual([]);

    clock.advance(1);
    queue.deliverDue();
    await queue.drain();
    expect(deliveries).toEqual([job.jobId]);
    expect(queue.scheduled()).toEqual([]);
    await queue.close();
  });

  it("drops a second schedule of the same job id", async () => {
    const { queue, clock } = recordingQueue();
    const job = syncJob({ attempt: 1 });
    await queue.schedule(job, clock.now() + 60_000);
    await queue.schedule(job, clock.now() + 60_000);
    expect(queue.scheduled()).toHaveLength(1);
    await queue.close();
  });

  it("on close cancels scheduled jobs and refuses new ones", async () => {
    const { queue, clock, log } = recordingQueue();
    await queue.schedule(syncJob(), clock.now() + 60_000);
    await queue.close();
    expect(queue.scheduled()).toEqual([]);
    expect(log.entries.map((e) => e.message)).toContain("job queue closed with jobs not started");
    await expect(queue.send([syncJob()])).rejects.toThrow("closed");
  });

  it("refuses a concurrency below 1", () => {
    expect(() => createInProcessJobQueue({ clock: fakeClock(), log: logRecorder(), concurrency: 0, handler: async () => {} })).toThrow(
      "concurrency must be a whole number of at least 1",
    );
  });
});

import { describe, expect, it } from "vitest";
import { createServiceBusJobQueue } from "../../shared/queue/serviceBusJobQueue.js";
import { syncJob } from "../scheduling/mappingFixtures.js";
import { fakeServiceBusSender } from "./fakeServiceBusSender.js";

// A Service Bus namespace cannot run here, so these tests use fakeServiceBusSender (see its comment).
describe("Service Bus job queue", () => {
  it("sends 1,000 jobs in several full batches, each message carrying its jobId as messageId", async () => {
    const sender = fakeServiceBusSender();
    const queue = createServiceBusJobQueue({ sender, queueName: "sync-jobs" });
    const jobs = Array.from({ length: 1000 }, () => syncJob());

    await queue.send(jobs);

    expect(sender.sentBatches.length).toBeGreaterThan(1);
    const sent = sender.sentBatches.flat();
    expect(sent.map((m) => m.messageId)).toEqual(jobs.map((j) => j.jobId));
    // Every batch but the last was sent because the next message no longer fit.
    for (const batch of sender.sentBatches.slice(0, -1)) expect(batch.length).toBeGreaterThan(100);
  });

  it("puts only the job's ids in the message body", async () => {
    const sender = fakeServiceBusSender();
    const queue = createServiceBusJobQueue({ sender, queueName: "sync-jobs" });
    const job = syncJob();
    await queue.send([{ ...job, members: ["a", "b"] } as typeof job]);
    const [message] = sender.sentBatches.flat();
    expect(message?.body).toEqual(job);
    expect(message?.contentType).toBe("application/json");
  });

  it("sends nothing for an empty plan", async () => {
    const sender = fakeServiceBusSender();
    await createServiceBusJobQueue({ sender, queueName: "sync-jobs" }).send([]);
    expect(sender.sentBatches).toEqual([]);
  });

  it("schedules a re-tried job as a scheduled message at the given time", async () => {
    const sender = fakeServiceBusSender();
    const queue = createServiceBusJobQueue({ sender, queueName: "sync-jobs" });
    const job = syncJob({ attempt: 1, trigger: "retry" });
    const at = Date.parse("2025-03-10T09:06:30.000Z");
    await queue.schedule(job, at);
    expect(sender.scheduled).toEqual([{ messages: [expect.objectContaining({ messageId: job.jobId, body: job })], at: new Date(at) }]);
  });

  it("refuses a job id longer than Service Bus allows for a messageId (128)", async () => {
    const sender = fakeServiceBusSender();
    const queue = createServiceBusJobQueue({ sender, queueName: "sync-jobs" });
    await expect(queue.send([syncJob({ jobId: "x".repeat(129) })])).rejects.toThrow("1 to 128 characters");
    expect(sender.sentBatches).toEqual([]);
  });

  it("does not know the dead-letter count unless counting is enabled (it needs Manage rights)", async () => {
    const runtime = { getQueueRuntimeProperties: async () => ({ deadLetterMessageCount: 3 }) };
    const sender = fakeServiceBusSender();
    expect(await createServiceBusJobQueue({ sender, runtime, queueName: "sync-jobs" }).deadLetterCount()).toBeNull();
    expect(await createServiceBusJobQueue({ sender, runtime, queueName: "sync-jobs", countDeadLetters: true }).deadLetterCount()).toBe(3);
  });

  it("closes its sender", async () => {
    const sender = fakeServiceBusSender();
    await createServiceBusJobQueue({ sender, queueName: "sync-jobs" }).close();
    expect(sender.closed).toBe(true);
  });
});

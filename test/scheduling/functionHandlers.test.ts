import functions, { type Timer } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { makeSchedulerHandler } from "../../functions/scheduler.js";
import { makeSyncWorkerHandler } from "../../functions/syncWorker.js";
import { createInProcessJobQueue } from "../../shared/queue/inProcessJobQueue.js";
import type { SyncJob } from "../../shared/core/syncJob.js";
import { freshStores } from "../storage/freshStores.js";
import { fakeClock } from "./fakeClock.js";
import { logRecorder } from "./logRecorder.js";
import { newMapping, syncJob } from "./mappingFixtures.js";
import { fakeRunSync } from "./runFixtures.js";

/** A real InvocationContext whose log lines land in an array (the Functions host is the one part faked). */
function invocation(functionName: string) {
  const lines: Array<{ level: string; text: string }> = [];
  const context = new functions.InvocationContext({
    functionName,
    invocationId: "3f0c4a52-9d1e-4d38-a4f1-5c2b7e9d0a11",
    logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(" ") }),
  });
  return { context, lines };
}

/** What the Functions host hands a timer function. */
function fakeTimer(isPastDue: boolean): Timer {
  return {
    isPastDue,
    schedule: { adjustForDST: true },
    scheduleStatus: { last: "2025-03-10T09:00:00Z", next: "2025-03-10T09:10:00Z", lastUpdated: "2025-03-10T09:00:00Z" },
  };
}

describe("Functions handlers", () => {
  it("the timer plans the enabled mappings and logs what it planned, even when the tick is late", async () => {
    const stores = freshStores();
    const clock = fakeClock();
    const delivered: SyncJob[] = [];
    const queue = createInProcessJobQueue({ clock, log: logRecorder(), concurrency: 4, handler: async (job) => void delivered.push(job) });
    await Promise.all([stores.mappings.create(newMapping()), stores.mappings.create(newMapping()), stores.mappings.create(newMapping({ enabled: false }))]);
    const handler = makeSchedulerHandler(async () => ({ sync: { mappings: stores.mappings, state: stores.state, clock }, queue }));
    const { context, lines } = invocation("scheduler");

    const result = await handler(fakeTimer(true), context);
    await queue.drain();

    expect(result).toMatchObject({ planned: 2, sent: 2 });
    expect(delivered).toHaveLength(2);
    expect(lines.map((l) => l.level)).toEqual(["warning", "information"]);
    expect(lines[1]?.text).toContain('"planned":2');
  });

  it("the worker syncs the mapping named in the message and logs the run through the invocation", async () => {
    const clock = fakeClock();
    const queue = createInProcessJobQueue({ clock, log: logRecorder(), concurrency: 1, handler: async () => {} });
    const engine = fakeRunSync(() => ({ status: "succeeded" }));
    const handler = makeSyncWorkerHandler(async () => ({ sync: { clock }, queue, runSync: engine.runSync }));
    const { context, lines } = invocation("syncWorker");
    const job = syncJob();

    const outcome = await handler(job, context);

    expect(outcome.kind).toBe("completed");
    expect(engine.requests).toEqual([{ collectionId: job.collectionId, groupId: job.groupId, trigger: "schedule" }]);
    expect(lines).toEqual([{ level: "information", text: expect.stringContaining(`"jobId":"${job.jobId}"`) }]);
  });

  it("the worker completes a malformed message instead of throwing", async () => {
    const clock = fakeClock();
    const queue = createInProcessJobQueue({ clock, log: logRecorder(), concurrency: 1, handler: async () => {} });
    const engine = fakeRunSync(() => ({ status: "succeeded" }));
    const handler = makeSyncWorkerHandler(async () => ({ sync: { clock }, queue, runSync: engine.runSync }));
    const { context } = invocation("syncWorker");

    await expect(handler("hello", context)).resolves.toMatchObject({ kind: "malformed" });
    expect(engine.requests).toEqual([]);
  });
});

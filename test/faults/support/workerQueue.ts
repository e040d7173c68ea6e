import { silentLogger } from "../../../shared/logger.js";
import type { SyncJob } from "../../../shared/core/syncJob.js";
import { createInProcessJobQueue, type InProcessJobQueue } from "../../../shared/queue/inProcessJobQueue.js";
import { processSyncJob, type WorkerOutcome } from "../../../shared/scheduling/processSyncJob.js";
import { scheduledJobId } from "../../../shared/core/syncJob.js";
import type { SyncDeps } from "../../../shared/sync/syncDeps.js";
import { syncMapping } from "../../../shared/sync/syncMapping.js";
import { MAPPING_KEY, REF, type FaultWorld } from "./world.js";

/** The queue and worker of one host, as the Functions app wires them (an in-process queue stands in for Service Bus). */
export interface WorkerQueue {
  readonly queue: InProcessJobQueue;
  /** What each delivery's processSyncJob returned (a delivery that threw is not here: the queue redelivered it). */
  readonly outcomes: WorkerOutcome[];
  /** Sends the tick's job for the world's mapping and waits until the queue is idle. */
  tick(): Promise<void>;
  /** Delivers the re-scheduled jobs that are due by the fake clock and waits until the queue is idle. */
  deliverDue(): Promise<void>;
}

export function workerQueue(world: FaultWorld, deps: SyncDeps = world.deps): WorkerQueue {
  const outcomes: WorkerOutcome[] = [];
  const { clock } = world;
  const queue: InProcessJobQueue = createInProcessJobQueue({
    clock,
    log: silentLogger,
    concurrency: 1,
    handler: async (job) => {
      const outcome = await processSyncJob({ runSync: (request) => syncMapping(deps, request), queue, clock, log: silentLogger }, job);
      outcomes.push(outcome);
    },
  });
  return {
    queue,
    outcomes,
    async tick() {
      await queue.send([scheduledJob(clock.now())]);
      await queue.drain();
    },
    async deliverDue() {
      queue.deliverDue();
      await queue.drain();
    },
  };
}

export function scheduledJob(now: number): SyncJob {
  const tick = new Date(now);
  return { jobId: scheduledJobId(MAPPING_KEY, tick), ...REF, trigger: "schedule", enqueuedAt: tick.toISOString(), attempt: 0 };
}

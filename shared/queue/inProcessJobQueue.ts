import { ensureError, ValidationError } from "../errors.js";
import type { Logger } from "../logger.js";
import { mappingKeyOf } from "../core/ids.js";
import type { Clock } from "../core/ports/clock.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { SyncJob } from "../core/syncJob.js";

/** Service Bus defaults, copied so `serve` and the CLI behave like the cloud (docs/service-facts.md "Service Bus"). */
export const DEFAULT_MAX_DELIVERY_COUNT = 10;
export const DEFAULT_DUPLICATE_WINDOW_MS = 10 * 60_000;
/** setTimeout fires at once for delays above 2^31−1 ms; no back-off is that long anyway. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

export interface InProcessJobQueueOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Processes one job; throwing means "deliver again" (like abandoning a peek-locked message). */
  readonly handler: (job: SyncJob) => Promise<void>;
  /** Jobs processed at once (the host.json `maxConcurrentCalls` of this queue). */
  readonly concurrency: number;
  readonly maxDeliveryCount?: number;
  readonly duplicateWindowMs?: number;
}

export interface ScheduledJob {
  readonly job: SyncJob;
  /** Epoch ms. */
  readonly at: number;
}

export interface DeadLetteredJob {
  readonly job: SyncJob;
  readonly deliveryCount: number;
  readonly lastError: string;
}

export interface InProcessJobQueue extends JobQueue {
  /** Resolves once no job is waiting or running (scheduled jobs whose time has not come don't count). */
  drain(): Promise<void>;
  /** Stops deliveries, cancels scheduled jobs, waits for running ones. Jobs not started are dropped. */
  close(): Promise<void>;
  /** Delivers the scheduled jobs that are due by the clock (a fake clock moves time without timers firing). */
  deliverDue(): void;
  scheduled(): readonly ScheduledJob[];
  deadLettered(): readonly DeadLetteredJob[];
}

interface Delivery {
  readonly job: SyncJob;
  deliveryCount: number;
}

/**
 * A job queue inside one process, for `serve`, the CLI and tests. It mimics the Service Bus behaviour the
 * product relies on: duplicate detection by jobId within a window, immediate redelivery when the handler
 * throws, dead-lettering after `maxDeliveryCount` deliveries, and scheduled delivery for back-off.
 * Nothing is durable: jobs waiting when the process stops are lost, and the next scheduler tick plans them again.
 */
export function createInProcessJobQueue(options: InProcessJobQueueOptions): InProcessJobQueue {
  const { clock, log, handler } = options;
  const concurrency = positiveInteger("concurrency", options.concurrency);
  const maxDeliveryCount = positiveInteger("maxDeliveryCount", options.maxDeliveryCount ?? DEFAULT_MAX_DELIVERY_COUNT);
  const duplicateWindowMs = options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;

  const ready: Delivery[] = [];
  const seen = new Map<string, number>();
  const timers = new Map<ScheduledJob, NodeJS.Timeout>();
  const deadLetters: DeadLetteredJob[] = [];
  let idleWaiters: Array<() => void> = [];
  let active = 0;
  let closed = false;

  /** Duplicate detection: the first send of a jobId inside the window wins; later ones are dropped quietly. */
  function accept(job: SyncJob): boolean {
    if (closed) throw new Error("The job queue is closed");
    const now = clock.now();
    for (const [jobId, firstSeen] of seen) {
      if (firstSeen + duplicateWindowMs > now) break; // insertion order is time order
      seen.delete(jobId);
    }
    if (seen.has(job.jobId)) return false;
    seen.set(job.jobId, now);
    return true;
  }

  function enqueue(job: SyncJob): void {
    ready.push({ job, deliveryCount: 0 });
    pump();
  }

  function pump(): void {
    while (!closed && active < concurrency) {
      const delivery = ready.shift();
      if (delivery === undefined) break;
      active += 1;
      void deliver(delivery);
    }
    if (active === 0 && (ready.length === 0 || closed)) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  async function deliver(delivery: Delivery): Promise<void> {
    delivery.deliveryCount += 1;
    const { job } = delivery;
    try {
      await handler(job);
    } catch (thrown) {
      const error = ensureError(thrown);
      const facts = { jobId: job.jobId, mappingKey: mappingKeyOf(job), deliveryCount: delivery.deliveryCount, error: error.message };
      if (delivery.deliveryCount >= maxDeliveryCount) {
        deadLetters.push({ job, deliveryCount: delivery.deliveryCount, lastError: error.message });
        log.error("sync job dead-lettered after its last delivery failed", facts);
      } else {
        // Like an abandoned Service Bus message: available again at once, no back-off.
        log.warn("sync job failed; delivering it again", facts);
        ready.push(delivery);
      }
    } finally {
      active -= 1;
      pump();
    }
  }

  function whenIdle(): Promise<void> {
    return new Promise<void>((resolve) => {
      idleWaiters.push(resolve);
      pump();
    });
  }

  function release(entry: ScheduledJob): void {
    const timer = timers.get(entry);
    if (timer === undefined) return;
    clearTimeout(timer);
    timers.delete(entry);
    enqueue(entry.job);
  }

  return {
    async send(jobs) {
      for (const job of jobs) if (accept(job)) enqueue(job);
    },

    async schedule(job, at) {
      if (!accept(job)) return;
      const delay = at - clock.now();
      if (delay <= 0) return enqueue(job);
      const entry: ScheduledJob = { job, at };
      const timer = setTimeout(() => release(entry), Math.min(delay, MAX_TIMER_DELAY_MS));
      timer.unref(); // a pending back-off must not keep a CLI process alive
      timers.set(entry, timer);
    },

    async deadLetterCount() {
      return deadLetters.length;
    },

    async reach() {
      return "the in-process queue: jobs run inside this process (no Service Bus)";
    },

    drain: whenIdle,

    async close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      if (timers.size > 0 || ready.length > 0) {
        log.warn("job queue closed with jobs not started", { scheduled: timers.size, waiting: ready.length });
      }
      timers.clear();
      await whenIdle();
    },

    deliverDue() {
      const now = clock.now();
      for (const entry of [...timers.keys()]) if (entry.at <= now) release(entry);
    },

    scheduled: () => [...timers.keys()],
    deadLettered: () => [...deadLetters],
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new ValidationError(`${name} must be a whole number of at least 1, got ${value}`);
  return value;
}

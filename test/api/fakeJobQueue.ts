import type { JobQueue } from "../../shared/core/ports/jobQueue.js";
import type { SyncJob } from "../../shared/core/syncJob.js";

/** Stands in for Service Bus (which cannot run here): records what was sent, sends nothing. */
export interface FakeJobQueue extends JobQueue {
  readonly sent: SyncJob[];
  readonly scheduled: { job: SyncJob; at: number }[];
  /** What deadLetterCount() answers; a function to make it fail. */
  deadLetters: number | null | (() => never);
}

export function fakeJobQueue(): FakeJobQueue {
  const queue: FakeJobQueue = {
    sent: [],
    scheduled: [],
    deadLetters: 0,
    async send(jobs) {
      queue.sent.push(...jobs);
    },
    async schedule(job, at) {
      queue.scheduled.push({ job, at });
    },
    async deadLetterCount() {
      return typeof queue.deadLetters === "function" ? queue.deadLetters() : queue.deadLetters;
    },
  };
  return queue;
}

import type { SyncJob } from "../syncJob.js";

export interface JobQueue {
  /** Sends jobs (batched by the adapter); `messageId` = jobId so a double send is dropped. */
  send(jobs: readonly SyncJob[]): Promise<void>;
  /** Sends one job to be delivered no earlier than `at` (epoch ms): real back-off after throttling. */
  schedule(job: SyncJob, at: number): Promise<void>;
  /** Dead-lettered messages, when the transport can tell (null when unknown). */
  deadLetterCount(): Promise<number | null>;
  /**
   * Proves the queue can be reached with the app's rights, without sending anything (collection-sync doctor),
   * and says what was reached. Throws when it cannot. Absent: the transport has nothing to reach.
   */
  reach?(): Promise<string>;
}

/**
 * Runs many sub-requests ("jobs") through `$batch` against one tenant: batches sized by the tenant's throttle
 * (≤ 20 sub-requests), at most `parallel` in flight, and per sub-request retries — a throttled sub-request comes
 * back as 429 with its own `Retry-After` while the batch itself is 200 (docs/service-facts.md), which no SDK handler sees.
 *
 * A throttled job goes back on the queue at once; the tenant's shared "not before" time makes the next batch
 * wait, and the deadline stops the waiting (the rest comes back deferred). A job's follow-ups (e.g. a split) join
 * the queue too. Only transient failures and replication lag wait for the next round, after a pause.
 */
import type { Clock } from "../core/ports/clock.js";
import { missingAnswer, sendBatch, type SubRequest } from "./batch.js";
import type { BudgetKind } from "./budgetModel.js";
import {
  backoffMs,
  isThrottleStatus,
  retryAfterMs,
  throttledBudget,
  ThrottleDeferral,
  type GraphAnswer,
  type RetryPolicy,
  type StatsSink,
  type TenantConnection,
} from "./transport.js";

export interface JobContext {
  /** Ask for a pause before the job's follow-ups run (e.g. a young group still replicating). */
  delayNextRound(ms: number): void;
}

export interface RunJobsOptions {
  readonly operation: string;
  readonly parallel: number;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  readonly deadline?: number;
}

export interface RunJobsResult<J> {
  /** Jobs not finished because waiting would pass the deadline (or throttling never let up). */
  readonly deferred: J[];
  readonly retryAfterMs: number | null;
}

interface Entry<J> {
  readonly job: J;
  /** Transient failures so far (throttling is bounded by the deadline and by `fullyThrottled`). */
  readonly retries: number;
}

export async function runJobs<J extends { readonly request: SubRequest }>(
  connection: TenantConnection,
  stats: StatsSink,
  jobs: readonly J[],
  handle: (job: J, answer: GraphAnswer, context: JobContext) => J[] | Promise<J[]>,
  options: RunJobsOptions,
): Promise<RunJobsResult<J>> {
  const { clock, retry, deadline } = options;
  const deferred: J[] = [];
  let retryAfter: number | null = null;
  const defer = (entries: readonly Entry<J>[], waitMs: number) => {
    deferred.push(...entries.map((e) => e.job));
    retryAfter = Math.max(retryAfter ?? 0, waitMs);
  };
  /** Batches in a row in which Graph throttled every sub-request; past this many, give up for now. */
  let fullyThrottled = 0;
  const giveUpAfter = retry.maxRetries * Math.max(1, options.parallel);
  let lastThrottleWait = 0;
  let later: Entry<J>[] = jobs.map((job) => ({ job, retries: 0 }));

  while (later.length > 0) {
    const queue = later;
    later = [];
    let roundDelay = 0;

    const runBatch = async (batch: Entry<J>[]) => {
      if (fullyThrottled > giveUpAfter) return defer(batch, lastThrottleWait);
      let answers: GraphAnswer[];
      try {
        answers = await sendBatch(
          connection,
          stats,
          batch.map((e) => e.job.request),
          options.operation,
          deadline,
        );
      } catch (error) {
        if (error instanceof ThrottleDeferral) return defer(batch, error.retryAfterMs);
        throw error;
      }
      let throttledWait = 0;
      let throttledCount = 0;
      let sentAt = 0;
      const refused: Record<BudgetKind, number> = { writes: 0, units: 0 };
      // What Graph charged to its write budget: the pacer measures the rate it really grants from these.
      connection.budget.accepted(
        batch.filter((e, index) => e.job.request.kind === "write" && !isThrottleStatus((answers[index] ?? missingAnswer).status)).length,
      );
      for (const [index, entry] of batch.entries()) {
        const answer = answers[index] ?? missingAnswer;
        if (isThrottleStatus(answer.status)) {
          throttledCount += 1;
          if (answer.status === 429) refused[throttledBudget(answer, entry.job.request.kind === "write")] += 1;
          sentAt = Math.max(sentAt, answer.sentAt);
          throttledWait = Math.max(throttledWait, retryAfterMs(answer.header("Retry-After"), clock.now()) ?? backoffMs(fullyThrottled, retry.random));
          queue.push(entry);
        } else if ((answer.status === 500 || answer.status === 502) && entry.retries < retry.maxRetries) {
          roundDelay = Math.max(roundDelay, backoffMs(entry.retries, retry.random));
          later.push({ job: entry.job, retries: entry.retries + 1 });
        } else {
          let delay = 0;
          const context: JobContext = { delayNextRound: (ms) => (delay = Math.max(delay, ms)) };
          const followUps = (await handle(entry.job, answer, context)).map((job) => ({ job, retries: 0 }));
          roundDelay = Math.max(roundDelay, delay);
          (delay > 0 ? later : queue).push(...followUps);
        }
      }
      fullyThrottled = throttledCount === batch.length ? fullyThrottled + 1 : 0;
      if (throttledCount > 0) {
        await connection.noteThrottle(stats, throttledWait, options.operation, throttledCount, refused, sentAt);
        lastThrottleWait = throttledWait;
      }
    };

    await drain(queue, options.parallel, () => connection.throttle.batchSize, runBatch);
    if (later.length === 0) break;
    if (deadline !== undefined && clock.now() + roundDelay > deadline) {
      defer(later, roundDelay);
      break;
    }
    await clock.sleep(roundDelay);
  }
  return { deferred, retryAfterMs: deferred.length > 0 ? retryAfter : null };
}

/**
 * Takes `size()` items at a time off `queue` (which `work` may refill) with at most `parallel` at once, until the
 * queue is empty and nothing is in flight. The first failure stops new work and is rethrown.
 */
async function drain<T>(queue: T[], parallel: number, size: () => number, work: (items: T[]) => Promise<void>): Promise<void> {
  let active = 0;
  let failure: { error: unknown } | null = null;
  let sleepers: Array<() => void> = [];
  const wakeAll = () => {
    const woken = sleepers;
    sleepers = [];
    for (const wake of woken) wake();
  };
  const worker = async () => {
    while (failure === null) {
      if (queue.length === 0) {
        if (active === 0) return wakeAll();
        await new Promise<void>((resolve) => sleepers.push(resolve));
        continue;
      }
      const items = queue.splice(0, Math.max(1, size()));
      active += 1;
      try {
        await work(items);
      } catch (error) {
        failure ??= { error };
      } finally {
        active -= 1;
        wakeAll();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}

/**
 * JSON batching: up to 20 sub-requests per `POST /$batch`, a bounded number of batches in flight, and per
 * sub-request retries — a throttled sub-request comes back as 429 with its own `Retry-After` while the batch
 * itself is 200 (FACTS.md), which no SDK handler looks at.
 */
import { BatchRequestContent } from "@microsoft/microsoft-graph-client";
import type { Clock } from "../sync/clock.js";
import { GraphRequestError, errorInfo } from "./graphErrors.js";
import { chunk } from "./odata.js";
import {
  backoffMs,
  isThrottleStatus,
  noteSubThrottle,
  retryAfterMs,
  ThrottleDeferral,
  type GraphAnswer,
  type HttpMethod,
  type RetryPolicy,
  type StatsSink,
  type TenantConnection,
} from "./transport.js";

export const BATCH_LIMIT = 20;

export interface SubRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly kind: "read" | "write";
}

/** Sends one `$batch`; answers come back in the order of `requests`. */
export async function sendBatch(
  connection: TenantConnection,
  stats: StatsSink,
  requests: readonly SubRequest[],
  operation: string,
  deadline?: number,
): Promise<GraphAnswer[]> {
  const versionRoot = `${connection.graphRoot}/${connection.version}`;
  // BatchRequestContent checks the 20-request limit and serialises headers and bodies. SDK 3.0.7 leaves the
  // version segment in each step's URL ("/v1.0/groups/…", which Graph rejects — msgraph-sdk-javascript#1178),
  // so every step's url is set to its version-relative path afterwards.
  const content = new BatchRequestContent(
    requests.map((request, index) => ({
      id: String(index + 1),
      request: new Request(`${versionRoot}${request.path}`, {
        method: request.method,
        headers: {
          ...request.headers,
          ...(request.body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      }),
    })),
  );
  const payload = await content.getContent();
  for (const step of payload.requests) step.url = requests[Number(step.id) - 1]?.path ?? step.url;

  const answer = await connection.send(
    {
      method: "POST",
      path: "/$batch",
      body: payload,
      reads: requests.filter((r) => r.kind === "read").length,
      writes: requests.filter((r) => r.kind === "write").length,
      operation,
    },
    stats,
    deadline,
  );
  if (answer.status !== 200) {
    const info = errorInfo(answer.body);
    throw new GraphRequestError(answer.status, info.code, info.message, `${operation} ($batch)`);
  }
  return readBatchAnswers(answer.body, requests.length);
}

/**
 * The batch answer read directly (not through BatchResponseContent, which rebuilds a fetch Response per item and
 * mishandles JSON bodies whose header is spelled `content-type`, and 204s that carry a body).
 */
function readBatchAnswers(body: unknown, count: number): GraphAnswer[] {
  const answers: GraphAnswer[] = Array.from({ length: count }, () => missingAnswer);
  const responses = typeof body === "object" && body !== null ? (body as { responses?: unknown }).responses : null;
  if (!Array.isArray(responses)) return answers;
  for (const item of responses as unknown[]) {
    if (typeof item !== "object" || item === null) continue;
    const { id, status, headers, body: itemBody } = item as { id?: unknown; status?: unknown; headers?: unknown; body?: unknown };
    const index = Number(id) - 1;
    if (!Number.isInteger(index) || index < 0 || index >= count || typeof status !== "number") continue;
    const headerMap = new Map<string, string>();
    if (typeof headers === "object" && headers !== null) {
      for (const [key, value] of Object.entries(headers)) headerMap.set(key.toLowerCase(), String(value));
    }
    answers[index] = { status, header: (name) => headerMap.get(name.toLowerCase()) ?? null, body: itemBody ?? null };
  }
  return answers;
}

/** A sub-request Graph did not answer: retried like a transient failure. */
const missingAnswer: GraphAnswer = { status: 500, header: () => null, body: null };

export interface JobContext {
  /** Ask for a pause before the next round (e.g. a young group still replicating). */
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
  readonly retries: number;
}

/**
 * Runs jobs (one sub-request each) in rounds: each round packs the pending jobs 20 to a batch and sends the
 * batches with at most `parallel` in flight (the tenant's throttle may allow fewer). Throttled sub-requests are
 * retried in the next round after the tenant's "not before" time; `handle` decides what every other answer means
 * and may return follow-up jobs (e.g. a split), which run in the next round.
 */
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
  let pending: Entry<J>[] = jobs.map((job) => ({ job, retries: 0 }));

  while (pending.length > 0) {
    const next: Entry<J>[] = [];
    let roundDelay = 0;
    const context: JobContext = { delayNextRound: (ms) => (roundDelay = Math.max(roundDelay, ms)) };

    const runBatch = async (batch: Entry<J>[]) => {
      let answers: GraphAnswer[];
      try {
        answers = await sendBatch(connection, stats, batch.map((e) => e.job.request), options.operation, deadline);
      } catch (error) {
        if (error instanceof ThrottleDeferral) return defer(batch, error.retryAfterMs);
        throw error;
      }
      let throttledWait = 0;
      let throttledCount = 0;
      for (const [index, entry] of batch.entries()) {
        const answer = answers[index] ?? missingAnswer;
        const throttled = isThrottleStatus(answer.status);
        const transient = answer.status === 500 || answer.status === 502;
        if ((throttled || transient) && entry.retries < retry.maxRetries) {
          const wait = retryAfterMs(answer.header("Retry-After"), clock.now()) ?? backoffMs(entry.retries, retry.random);
          if (throttled) {
            throttledCount += 1;
            throttledWait = Math.max(throttledWait, wait);
          } else {
            context.delayNextRound(wait);
          }
          next.push({ job: entry.job, retries: entry.retries + 1 });
          continue;
        }
        if (throttled) {
          defer([entry], retryAfterMs(answer.header("Retry-After"), clock.now()) ?? 0);
          continue;
        }
        for (const job of await handle(entry.job, answer, context)) next.push({ job, retries: 0 });
      }
      if (throttledCount > 0) {
        // The whole tenant waits (shared "not before"); counted once per batch, as wall-clock time asked for.
        noteSubThrottle(connection, stats, throttledWait);
        stats.throttled += throttledCount - 1;
      }
    };

    await runPool(chunk(pending, 20), options.parallel, runBatch);

    pending = next;
    if (pending.length > 0 && roundDelay > 0) {
      if (deadline !== undefined && clock.now() + roundDelay > deadline) {
        defer(pending, roundDelay);
        break;
      }
      await clock.sleep(roundDelay);
    }
  }
  return { deferred, retryAfterMs: retryAfter };
}

/** Runs `work` over `items` with at most `parallel` at once; the first failure stops new work and is rethrown. */
export async function runPool<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let cursor = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (failure === null && cursor < items.length) {
      const item = items[cursor++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}

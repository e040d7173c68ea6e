/**
 * One tenant's Graph connection: the SDK client (custom middleware chain), the tenant's throttle budget, and the
 * retry loop every request goes through.
 *
 * Retrying is ours, not the SDK's RetryHandler: that handler retries a plain request's 429/503/504, but it cannot
 * see the 429s inside a `$batch` answer (docs/service-facts.md), sleeps on the real timer (no injected Clock, no deadline), and
 * would retry behind the back of the tenant's shared throttle budget. So the chain is only
 * BearerTokenMiddleware → HTTPMessageHandler, and this file honours `Retry-After`, backs off with jitter when there
 * is none, and stops waiting when the caller's deadline would pass.
 */
import { Client, GraphClientError, HTTPMessageHandler, ResponseType } from "@microsoft/microsoft-graph-client";
import { CredentialUnavailableError, RunDeadlineError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../core/ports/clock.js";
import type { BudgetKind, Cost } from "./budgetModel.js";
import { errorInfo, GraphRequestError } from "./graphErrors.js";
import type { TenantBudget } from "./tenantBudget.js";
import type { TenantThrottle } from "./throttle.js";
import type { BearerTokenMiddleware } from "./tokenMiddleware.js";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface GraphCall {
  readonly method: HttpMethod;
  /** Path under the version root, e.g. `/groups/{id}?$select=id` (query values already encoded). */
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** What this request costs in reads and writes (a `$batch` carries many). */
  readonly reads: number;
  readonly writes: number;
  /** Names the operation in errors and logs. */
  readonly operation: string;
}

export interface GraphAnswer {
  readonly status: number;
  /** Header lookup, case-insensitive. */
  header(name: string): string | null;
  readonly body: unknown;
  /** When the request went out (after every wait), epoch ms: a 429 to it speaks of the budget as it was then. */
  readonly sentAt: number;
}

/** One view's counters (DirectoryStats, mutable while the run goes on). */
export interface StatsSink {
  reads: number;
  writes: number;
  requests: number;
  throttled: number;
  throttledWaitMs: number;
}

/** The deadline would pass before Graph lets us in again (or answers): the caller defers the work. */
export class ThrottleDeferral extends RunDeadlineError {
  constructor(retryAfterMs: number) {
    super(retryAfterMs, `Graph would not answer before the run's time budget ends (it asks for ${Math.ceil(retryAfterMs / 1000)} s more)`);
  }
}

/** 429 is throttling; 503/504 are Graph's "busy" answers and are treated the same way (docs/service-facts.md). */
export function isThrottleStatus(status: number): boolean {
  return status === 429 || status === 503 || status === 504;
}

/**
 * Which of the tenant's budgets a 429 speaks of: `x-ms-throttle-information` names the limit where Graph sends it
 * (e.g. `WriteLimitExceeded`, `ResourceUnitLimitExceeded`); without it a refused write is taken for the write
 * budget and a refused read for the resource units.
 */
export function throttledBudget(answer: GraphAnswer, isWrite: boolean): BudgetKind {
  const information = (answer.header("x-ms-throttle-information") ?? "").toLowerCase();
  if (information.includes("resourceunit")) return "units";
  if (information.includes("write")) return "writes";
  return isWrite ? "writes" : "units";
}

/** What a request is reserved for: its writes, and a resource unit per (sub-)request until Graph says otherwise. */
export function costOf(call: Pick<GraphCall, "reads" | "writes">): Cost {
  return { writes: call.writes, units: Math.max(1, call.reads + call.writes) };
}

export interface RetryPolicy {
  readonly maxRetries: number;
  readonly random: () => number;
}

/** `Retry-After` in seconds (or an HTTP date); null when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Exponential back-off with jitter for throttling without `Retry-After`: 1 s, 2 s, 4 s … up to 60 s, ±50 %. */
export function backoffMs(attempt: number, random: () => number): number {
  const base = Math.min(60_000, 1000 * 2 ** attempt);
  return Math.round(base / 2 + random() * (base / 2));
}

export interface TenantConnection {
  readonly tenantId: string | null;
  readonly throttle: TenantThrottle;
  /** The tenant's budget (this process's, or shared by every instance through Table Storage). */
  readonly budget: TenantBudget;
  /** `https://graph.microsoft.com` (no trailing slash, no version): member references are built on it. */
  readonly graphRoot: string;
  readonly version: string;
  send(call: GraphCall, stats: StatsSink, deadline?: number): Promise<GraphAnswer>;
  /** Turns an absolute nextLink/deltaLink from Graph into a path the SDK can take (docs/service-facts.md, SDK). */
  relativePath(link: string): string;
  /**
   * Graph throttled `answers` (sub-)requests and asked for `waitMs`: the tenant waits, this run counts the answers
   * and the wait once (wall-clock time asked for, not the sum over sub-requests). `refused` counts the 429s per
   * budget (503/504 are a busy service, not a spent budget, and are left out).
   */
  noteThrottle(
    stats: StatsSink,
    waitMs: number,
    operation: string,
    answers?: number,
    refused?: Partial<Record<BudgetKind, number>>,
    sentAt?: number,
  ): Promise<void>;
}

export interface ConnectionOptions {
  readonly tenantId: string | null;
  readonly baseUrl: URL;
  readonly version: string;
  readonly auth: BearerTokenMiddleware;
  readonly throttle: TenantThrottle;
  readonly budget: TenantBudget;
  readonly clock: Clock;
  readonly log: Logger;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
}

export function createTenantConnection(options: ConnectionOptions): TenantConnection {
  const graphRoot = options.baseUrl.href.replace(/\/+$/, "");
  options.auth.setNext(new HTTPMessageHandler());
  const client = Client.initWithMiddleware({
    baseUrl: graphRoot,
    defaultVersion: options.version,
    middleware: options.auth,
  });
  const { clock, throttle, budget, retry, log } = options;
  const versionRoot = `${graphRoot}/${options.version}`;

  async function once(call: GraphCall, deadline: number | undefined): Promise<GraphAnswer> {
    let request = client.api(call.path).responseType(ResponseType.RAW);
    if (call.headers !== undefined) request = request.headers({ ...call.headers });
    // No single answer may be awaited past the caller's deadline (the SDK passes the signal on to fetch).
    const limit = deadline === undefined ? options.requestTimeoutMs : Math.max(1, Math.min(options.requestTimeoutMs, deadline - clock.now()));
    request = request.option("signal", AbortSignal.timeout(limit));
    // The SDK types every answer `any`; with ResponseType.RAW it is fetch's Response.
    const response = (
      call.method === "GET"
        ? await request.get()
        : call.method === "POST"
          ? await request.post(call.body)
          : call.method === "PATCH"
            ? await request.patch(call.body)
            : await request.delete()
    ) as Response;
    return { status: response.status, header: (name) => response.headers.get(name), body: await readBody(response), sentAt: 0 };
  }

  async function send(call: GraphCall, stats: StatsSink, deadline?: number): Promise<GraphAnswer> {
    const cost = costOf(call);
    for (let attempt = 0; ; attempt += 1) {
      // Paced first (the tenant's budget, maybe shared with other instances), then a free slot in this process;
      // a 429 heard while waiting for either voids the reservation, and the request reserves again behind it.
      for (;;) {
        const reserved = await budget.reserve(cost, deadline);
        if (!reserved.admitted) throw new ThrottleDeferral(reserved.waitMs);
        const admission = await throttle.acquire(deadline);
        if (!admission.admitted) throw new ThrottleDeferral(admission.waitMs);
        if (await budget.keep(reserved.ticket)) break;
        throttle.release();
      }
      let answer: GraphAnswer | null = null;
      let failure: unknown = null;
      try {
        stats.requests += 1;
        stats.reads += call.reads;
        stats.writes += call.writes;
        const sentAt = clock.now();
        answer = { ...(await once(call, deadline)), sentAt };
      } catch (error) {
        // GraphClientError = our own refusal or a credential failure: never retried. A credential failure goes on
        // as the domain's CredentialUnavailableError (the engine records it; the next run tries again).
        if (error instanceof GraphClientError) throw error.cause instanceof CredentialUnavailableError ? error.cause : error;
        failure = error;
      } finally {
        throttle.release();
      }
      if (answer !== null && !isThrottleStatus(answer.status) && answer.status !== 500 && answer.status !== 502) {
        throttle.succeeded();
        budget.charged(Number(answer.header("x-ms-resource-unit") ?? 0) - cost.units);
        return answer;
      }
      if (attempt >= retry.maxRetries) {
        // Writes with a time budget get their work back as deferred rather than an error.
        if (answer !== null && isThrottleStatus(answer.status) && deadline !== undefined) {
          throw new ThrottleDeferral(retryAfterMs(answer.header("Retry-After"), clock.now()) ?? backoffMs(attempt, retry.random));
        }
        if (answer !== null) {
          const info = errorInfo(answer.body);
          throw new GraphRequestError(answer.status, info.code, info.message, call.operation);
        }
        throw new GraphRequestError(0, "NetworkError", describe(failure), call.operation);
      }
      if (answer !== null && isThrottleStatus(answer.status)) {
        const wait = retryAfterMs(answer.header("Retry-After"), clock.now()) ?? backoffMs(attempt, retry.random);
        const refused = answer.status === 429 ? { [throttledBudget(answer, call.writes > 0)]: 1 } : {};
        await noteThrottle(stats, wait, call.operation, 1, refused, answer.sentAt);
        continue;
      }
      // A dropped connection, a timed-out answer or a 500/502: back off without touching the shared budget.
      const wait = backoffMs(attempt, retry.random);
      if (deadline !== undefined && clock.now() + wait >= deadline) throw new ThrottleDeferral(wait);
      log.warn("Graph request failed, retrying", {
        operation: call.operation,
        status: answer?.status ?? 0,
        error: answer === null ? describe(failure) : errorInfo(answer.body).code,
        waitMs: wait,
      });
      await clock.sleep(wait);
    }
  }

  async function noteThrottle(
    stats: StatsSink,
    waitMs: number,
    operation: string,
    answers = 1,
    refused: Partial<Record<BudgetKind, number>> = {},
    sentAt = clock.now(),
  ): Promise<void> {
    stats.throttled += answers;
    stats.throttledWaitMs += waitMs;
    throttle.throttled(waitMs);
    for (const [kind, count] of Object.entries(refused) as [BudgetKind, number][]) {
      if (count > 0) await budget.throttled(kind, count, waitMs, sentAt);
    }
    log.warn("Graph throttled this tenant; every request to it waits", {
      tenantId: options.tenantId,
      operation,
      throttledAnswers: answers,
      waitMs,
      concurrency: throttle.concurrency,
      batchSize: throttle.batchSize,
    });
  }

  const versionPath = `${options.baseUrl.pathname.replace(/\/+$/, "")}/${options.version}`;

  function relativePath(link: string): string {
    if (link.startsWith(`${versionRoot}/`)) return link.slice(versionRoot.length);
    // Graph may spell the host differently (case, default port): compare parsed origins, keep the query as sent.
    const url = new URL(link, options.baseUrl);
    if (url.origin === options.baseUrl.origin && url.pathname.startsWith(`${versionPath}/`)) {
      return `${url.pathname.slice(versionPath.length)}${url.search}`;
    }
    throw new GraphRequestError(0, "UnexpectedLink", `link outside ${versionRoot}: ${url.origin}${url.pathname}`, "follow link");
  }

  return {
    tenantId: options.tenantId,
    throttle,
    budget,
    graphRoot,
    version: options.version,
    send,
    relativePath,
    noteThrottle,
  };
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return null;
  const text = await response.text();
  if (text === "") return null;
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json") || /^[[{]/.test(text.trimStart())) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

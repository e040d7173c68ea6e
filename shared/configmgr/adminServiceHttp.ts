import { SourceReadError } from "../errors.js";
import { accessDeniedAdvice, type AdminServiceAuth } from "./adminServiceAuth.js";

/** How the adapter talks HTTP to the AdminService: auth, timeout, a couple of retries, JSON or a typed error. */
export interface AdminServiceHttpOptions {
  /** Authenticates each request (ADMINSERVICE_AUTH); `noAdminServiceAuth` for the loopback simulator. */
  readonly auth: AdminServiceAuth;
  readonly timeoutMs: number;
  readonly fetchImpl: typeof fetch;
  /** Retries after a 429 or 503 (or a dropped connection) before the read fails. */
  readonly maxRetries: number;
}

/** A non-2xx answer; a SourceReadError("unavailable") that also says which status came back. */
export class AdminServiceStatusError extends SourceReadError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super("unavailable", message);
  }
}

/** A 401/403: the identity was refused. `status` tells which, for advice that depends on it (accessDeniedAdvice). */
export class AdminServiceAccessDeniedError extends SourceReadError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super("access-denied", message);
  }
}

/** What `getJson` answers for a 404 when the caller treats "not found" as an answer. */
export const NOT_FOUND: unique symbol = Symbol("AdminService 404");

/** Longest Retry-After we honour inside one read; a longer wait fails the read so the next run tries again. */
const MAX_RETRY_WAIT_MS = 5_000;
const BASE_BACKOFF_MS = 250;
const RETRYABLE = new Set([429, 503]);

export class AdminServiceHttp {
  constructor(private readonly options: AdminServiceHttpOptions) {}

  /**
   * GETs `url` and parses its JSON. `onAttempt` is called once per request sent (retries included), so a view
   * can count its own requests. A 404 is NOT_FOUND when `notFoundIsAnswer`, an error otherwise.
   */
  async getJson(url: string, onAttempt: () => void, notFoundIsAnswer = false): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      onAttempt();
      const exchange = await this.options.auth.begin(new URL(url));
      const headers: Record<string, string> = { Accept: "application/json" };
      if (exchange.authorization !== null) headers["Authorization"] = exchange.authorization;
      const outcome = await this.send(url, headers);
      if (outcome.kind === "response") {
        const { response } = outcome;
        if (response.ok) {
          await exchange.verify(response).catch(async (error: unknown) => {
            await discard(response);
            throw error;
          });
          return readJson(response, url, this.options.timeoutMs);
        }
        if (response.status === 401 || response.status === 403) throw await this.accessDenied(response, url);
        if (response.status === 404 && notFoundIsAnswer) {
          await discard(response);
          return NOT_FOUND;
        }
        const wait = retryWait(response, attempt);
        if (RETRYABLE.has(response.status) && attempt < this.options.maxRetries && wait !== null) {
          await discard(response);
          await sleep(wait);
          continue;
        }
        throw await statusError(response, url);
      }
      if (attempt < this.options.maxRetries) {
        await sleep(BASE_BACKOFF_MS * 2 ** attempt);
        continue;
      }
      throw new SourceReadError("unavailable", `AdminService did not answer ${describe(url)}: ${outcome.error.message}`, { cause: outcome.error });
    }
  }

  /** 401/403 are not transient: say which identity was refused and what ConfigMgr needs, and fail the read. */
  private async accessDenied(response: Response, url: string): Promise<SourceReadError> {
    const detail = await errorDetail(response);
    return new AdminServiceAccessDeniedError(response.status, `${accessDeniedAdvice(this.options.auth, response.status)} (${describe(url)}${detail})`);
  }

  private async send(url: string, headers: Record<string, string>): Promise<{ kind: "response"; response: Response } | { kind: "network"; error: Error }> {
    try {
      const response = await this.options.fetchImpl(url, { headers, signal: AbortSignal.timeout(this.options.timeoutMs) });
      return { kind: "response", response };
    } catch (error) {
      if (isTimeout(error)) throw timeoutError(url, this.options.timeoutMs, error);
      return { kind: "network", error: error instanceof Error ? error : new Error(String(error)) };
    }
  }
}

async function readJson(response: Response, url: string, timeoutMs: number): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (isTimeout(error)) throw timeoutError(url, timeoutMs, error);
    throw new SourceReadError("unavailable", `AdminService connection dropped while reading ${describe(url)}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SourceReadError("bad-response", `AdminService answered ${describe(url)} with something that is not JSON`, { cause: error });
  }
}

function retryWait(response: Response, attempt: number): number | null {
  const header = response.headers.get("retry-after");
  if (header === null) return BASE_BACKOFF_MS * 2 ** attempt;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  if (Number.isNaN(ms)) return BASE_BACKOFF_MS * 2 ** attempt;
  return ms > MAX_RETRY_WAIT_MS ? null : Math.max(0, ms);
}

async function statusError(response: Response, url: string): Promise<AdminServiceStatusError> {
  const detail = await errorDetail(response);
  return new AdminServiceStatusError(response.status, `AdminService answered ${response.status} to ${describe(url)}${detail}`);
}

/** The OData error message, if the body has one: shown to admins, so it is cut short and never the whole body. */
async function errorDetail(response: Response): Promise<string> {
  try {
    const body = JSON.parse(await response.text()) as { error?: { message?: unknown } };
    const message = body.error?.message;
    return typeof message === "string" && message !== "" ? `: ${message.slice(0, 300)}` : "";
  } catch {
    return "";
  }
}

async function discard(response: Response): Promise<void> {
  try {
    await response.arrayBuffer();
  } catch {
    // The body of a response we are about to retry does not matter.
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

function timeoutError(url: string, timeoutMs: number, cause: unknown): SourceReadError {
  return new SourceReadError("timeout", `AdminService did not answer ${describe(url)} within ${timeoutMs} ms`, { cause });
}

/** The class and key of a URL, for messages: never the whole query (it can hold many resource ids). */
function describe(url: string): string {
  const path = new URL(url).pathname;
  const at = path.search(/\/(wmi|v1\.0)\//i);
  return at === -1 ? path : path.slice(at);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

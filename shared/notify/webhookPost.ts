import { ensureError } from "../errors.js";
import { retryAfterMs } from "../graph/transport.js";

export type PostResult =
  | { readonly ok: true; readonly status: number }
  | {
      readonly ok: false;
      /** Worth trying again later (429, 408, 5xx, no answer); false for a refusal that will not change (400, 403, 404, 410…). */
      readonly retry: boolean;
      readonly status: number | null;
      /** The receiver's Retry-After, when it sent one. */
      readonly retryAfterMs: number | null;
      /** A short sentence without the URL (it carries the receiver's secret). */
      readonly error: string;
    };

export type WebhookPoster = (url: string, body: unknown) => Promise<PostResult>;

/** Longest piece of a receiver's error answer kept (Slack answers `invalid_payload`, `channel_is_archived`…). */
const ERROR_TEXT_CHARS = 120;
/** The most of an answer ever read: enough for ERROR_TEXT_CHARS in any UTF-8, however much the receiver sends. */
const ANSWER_BYTES = 4 * 1024;

/**
 * POSTs JSON with a hard time limit covering the answer's body too, so a receiver that accepts the connection
 * and never answers costs `timeoutMs` and no more. Redirects are not followed: a webhook that redirects is
 * misconfigured, and following it would hand the payload to another host.
 */
export function createWebhookPoster(options: { readonly timeoutMs: number; readonly now?: () => number }): WebhookPoster {
  const now = options.now ?? Date.now;
  return async (url, body) => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        redirect: "manual",
        signal,
      });
      if (response.status >= 200 && response.status < 300) {
        await response.body?.cancel();
        return { ok: true, status: response.status };
      }
      const text = (await answerStart(response)).trim().slice(0, ERROR_TEXT_CHARS);
      const retry = response.status === 408 || response.status === 429 || response.status >= 500;
      return {
        ok: false,
        retry,
        status: response.status,
        retryAfterMs: retryAfterMs(response.headers.get("retry-after"), now()),
        error: `answered ${response.status}${text === "" ? "" : ` ${JSON.stringify(text)}`}`,
      };
    } catch (thrown) {
      const error = ensureError(thrown);
      const timedOut = error.name === "TimeoutError" || error.name === "AbortError";
      const reason = timedOut ? `no answer within ${options.timeoutMs} ms` : `could not be reached (${describeNetworkError(error)})`;
      return { ok: false, retry: true, status: null, retryAfterMs: null, error: reason };
    }
  };
}

/** The first ANSWER_BYTES of an answer; the rest is never read (the stream is cancelled, closing the connection). */
async function answerStart(response: Response): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  try {
    while (bytes < ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      const piece = value.subarray(0, ANSWER_BYTES - bytes);
      bytes += piece.byteLength;
      text += decoder.decode(piece, { stream: true });
    }
    return text;
  } finally {
    await reader.cancel();
  }
}

/** fetch hides the socket error in `cause` (ECONNREFUSED, ENOTFOUND, a certificate problem). */
function describeNetworkError(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error) return "code" in cause && typeof cause.code === "string" ? cause.code : cause.message;
  return error.message;
}

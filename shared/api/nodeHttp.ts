import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { once } from "node:events";
import { setImmediate } from "node:timers/promises";
import type { MappingsApi } from "./apiTypes.js";
import type { ApiRequest, ApiResponse } from "./apiMessages.js";
import { ApiProblem, PROBLEM_CONTENT_TYPE, problemResponse } from "./problems.js";
import { declaredTooLarge, MAX_UPLOAD_BYTES, requestTimedOut, tooLarge } from "./requestInput.js";
import type { Logger } from "../logger.js";

const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

export interface NodeHttpOptions {
  /** Where the API is mounted; requests outside it get a 404 problem. Default "/api". */
  readonly basePath?: string;
  /** Answers requests outside the API (the console's static files); default: a 404 problem. */
  readonly outside?: (method: string, path: string, headers: Readonly<Record<string, string | undefined>>) => ApiResponse;
  /**
   * The `Host` values (lower-case `host:port`) this server answers for; any other gets 421 before anything else
   * happens. Asked per request, because the port is known only once the server listens. Omitted or null = any.
   */
  readonly allowedHosts?: () => ReadonlySet<string> | null;
}

/**
 * DNS rebinding: a web page can point its own host name at 127.0.0.1 and so talk to a loopback server as its
 * "own" origin. Its requests still carry its host name in `Host`, which is why a loopback server must refuse
 * every Host it is not listening as (docs/service-facts.md "The web platform").
 */
function misdirected(headers: Readonly<Record<string, string>>, allowed: ReadonlySet<string> | null): ApiProblem | null {
  if (allowed === null) return null;
  const host = headers["host"]?.trim().toLowerCase() ?? "";
  if (allowed.has(host)) return null;
  return new ApiProblem(421, "misdirected-request", `This server answers only for ${[...allowed].join(", ")}, not for Host "${host.slice(0, 200)}".`);
}

/**
 * A server reached directly (no proxy in front, as `serve` is) gets `X-Forwarded-*` from the client itself: a
 * claim, not a fact, so it is dropped before anything (the cross-site check) can trust it.
 */
const CLIENT_CLAIMED = /^x-forwarded-/;

function headerRecord(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && !CLIENT_CLAIMED.test(name)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

async function send(request: IncomingMessage, response: ServerResponse, result: ApiResponse): Promise<void> {
  const headers: Record<string, string> = { ...result.headers };
  // A body we did not read (refused, or not wanted) would otherwise be drained for keep-alive: close instead.
  if (!request.complete) headers.connection = "close";
  if (result.streamBody !== undefined) {
    response.writeHead(result.status, headers);
    await pipeBody(response, result.streamBody());
    return;
  }
  const body = result.bytesBody ?? result.textBody ?? (result.jsonBody === undefined ? undefined : JSON.stringify(result.jsonBody));
  if (body !== undefined) headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
  response.writeHead(result.status, headers);
  response.end(body);
}

/**
 * Writes the pieces as the client takes them (waiting for "drain"), yielding to other requests between pieces,
 * and stops producing when the client goes away.
 */
async function pipeBody(response: ServerResponse, pieces: AsyncIterable<string | Uint8Array>): Promise<void> {
  for await (const piece of pieces) {
    if (response.destroyed) return;
    if (!response.write(piece)) await Promise.race([once(response, "drain"), once(response, "close")]);
    await setImmediate();
  }
  response.end();
}

/**
 * A `node:http` request listener serving the API (for `collection-sync serve`):
 * `createApiServer(createNodeHttpListener(createMappingsApi(deps)), { log })`. Bodies are streamed into the core,
 * which stops reading at the route's size limit (64 KiB; 4 MiB for a snapshot part); a declared Content-Length
 * over the largest limit is refused unread.
 */
export function createNodeHttpListener(api: MappingsApi, options: NodeHttpOptions = {}): (request: IncomingMessage, response: ServerResponse) => void {
  const basePath = (options.basePath ?? "/api").replace(/\/+$/, "");

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    const wrongHost = misdirected(headerRecord(request), options.allowedHosts?.() ?? null);
    if (wrongHost !== null) {
      await send(request, response, problemResponse(wrongHost, url.pathname));
      return;
    }
    // URL parsing resolves `..` and `%2e%2e` segments; a path that needed that is refused, not re-routed (a
    // traversal attempt must not land on the console's page or on another API route).
    if (DOT_SEGMENT.test((request.url ?? "/").split("?")[0] ?? "")) {
      await send(request, response, problemResponse(new ApiProblem(404, "not-found", "Paths with . or .. segments are not served."), url.pathname));
      return;
    }
    const underBase = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`);
    if (!underBase) {
      const answer = options.outside?.(request.method ?? "GET", url.pathname, headerRecord(request));
      await send(request, response, answer ?? problemResponse(new ApiProblem(404, "not-found", `The API lives under ${basePath}/.`), url.pathname));
      return;
    }
    const headers = headerRecord(request);
    // Above what any route takes (a snapshot part): refused unread. Each route enforces its own, smaller limit.
    if (declaredTooLarge(headers["content-length"], MAX_UPLOAD_BYTES)) {
      await send(request, response, problemResponse(tooLarge(MAX_UPLOAD_BYTES), url.pathname));
      return;
    }
    const apiRequest: ApiRequest = {
      method: request.method ?? "GET",
      path: url.pathname.slice(basePath.length) || "/",
      query: url.searchParams,
      headers,
      body: request,
    };
    await send(request, response, await api.handle(apiRequest));
  }

  return (request, response) => {
    serve(request, response).catch((error: unknown) => {
      // api.handle never throws; this is a socket-level failure (client gone). Nothing left to answer.
      if (!response.headersSent) response.writeHead(500).end();
      request.destroy(error instanceof Error ? error : undefined);
    });
  };
}

/**
 * How long a client may take to send its headers, and its whole request. Node's defaults (60 s, 5 min) let a
 * client that trickles bytes hold a connection for minutes; the largest body (a 4 MiB snapshot part) needs only
 * ~1 Mbit/s to arrive within this.
 */
export const SLOW_CLIENT_MS = 30_000;

/**
 * The `node:http` server for `serve`: `listener` answers requests, slow clients get 408 once `slowClientMs`
 * passes, and requests Node's parser refuses get a problem document (see answerClientErrors).
 */
export function createApiServer(
  listener: (request: IncomingMessage, response: ServerResponse) => void,
  options: { readonly log: Logger; readonly slowClientMs?: number },
): Server {
  const slowClientMs = options.slowClientMs ?? SLOW_CLIENT_MS;
  const server = createServer(
    // Node checks the timeouts only every connectionsCheckingInterval (30 s by default): check often enough to keep them.
    { headersTimeout: slowClientMs, requestTimeout: slowClientMs, connectionsCheckingInterval: Math.max(50, Math.min(5_000, slowClientMs / 5)) },
    listener,
  );
  answerClientErrors(server, options.log, slowClientMs);
  return server;
}

/**
 * Requests Node's HTTP parser refuses before any listener sees them — a URL or headers over its 16 KiB limit, a
 * malformed request line — get a problem document too, instead of Node's bare status line. A client too slow to
 * send its request (headers or body) gets 408: an ordinary network event, logged as a warning.
 */
function answerClientErrors(server: Server, log: Logger, slowClientMs: number): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const problem = clientErrorProblem(error.code, slowClientMs);
    if (problem.status === 408) log.warn("A client was too slow sending its request: answered 408 and closed the connection", { timeoutMs: slowClientMs });
    const response = problemResponse(problem, "/");
    const body = JSON.stringify(response.jsonBody);
    const headers = [`Content-Type: ${PROBLEM_CONTENT_TYPE}`, `Content-Length: ${Buffer.byteLength(body)}`, "Connection: close"];
    socket.end(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ""}\r\n${headers.join("\r\n")}\r\n\r\n${body}`);
  });
}

function clientErrorProblem(code: string | undefined, slowClientMs: number): ApiProblem {
  if (code === "HPE_HEADER_OVERFLOW") return new ApiProblem(431, "headers-too-large", "The URL and headers must stay under 16 KiB.");
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return requestTimedOut(`The request did not arrive within ${slowClientMs / 1000} s.`);
  return ApiProblem.validation([{ name: "", message: "the request is not valid HTTP" }]);
}

/** The console's only way to the server: same-origin calls to /api with the browser's session. */

/** An RFC 9457 problem the API answered with (or one made up for a network failure). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly type: string,
    readonly fieldErrors: readonly { name?: string; message?: string }[] = [],
    /** The whole answer (a 503 from /health still carries its report). */
    readonly body: unknown = null,
  ) {
    super(detail === "" ? title : `${title}: ${detail}`);
  }
}

export interface Answer<T> {
  readonly body: T;
  readonly etag: string | null;
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** `ifNoneMatch`: a GET answered 304 resolves to null (nothing changed since that ETag). */
export async function call<T>(
  method: Method,
  path: string,
  options: { body?: unknown; ifMatch?: string | null; ifNoneMatch?: string | null } = {},
): Promise<Answer<T>> {
  const answer = await send<T>(method, path, options);
  if (answer === null) throw new ApiError(304, "Not modified", "", "not-modified");
  return answer;
}

/** A conditional GET: the new answer, or null when the server says nothing changed since `etag` (304). */
export function getIfChanged<T>(path: string, etag: string | null): Promise<Answer<T> | null> {
  return send<T>("GET", path, { ifNoneMatch: etag });
}

async function send<T>(
  method: Method,
  path: string,
  options: { body?: unknown; ifMatch?: string | null; ifNoneMatch?: string | null },
): Promise<Answer<T> | null> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.ifMatch) headers["if-match"] = options.ifMatch;
  if (options.ifNoneMatch) headers["if-none-match"] = options.ifNoneMatch;
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      credentials: "same-origin",
      // The API answers no-store anyway; the console's own If-None-Match is the only revalidation.
      cache: "no-store",
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch (error) {
    throw new ApiError(0, "The server could not be reached", error instanceof Error ? error.message : String(error), "network");
  }
  if (response.status === 304) return null;
  const text = await response.text();
  const parsed = parseJson(text);
  if (!response.ok) throw problemOf(response, parsed, text);
  return { body: parsed as T, etag: response.headers.get("etag") };
}

export const get = <T>(path: string) => call<T>("GET", path).then((answer) => answer.body);

function parseJson(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function problemOf(response: Response, body: unknown, text: string): ApiError {
  if (body !== null && typeof body === "object") {
    const problem = body as { title?: unknown; detail?: unknown; type?: unknown; errors?: unknown };
    return new ApiError(
      response.status,
      typeof problem.title === "string" ? problem.title : `HTTP ${response.status}`,
      typeof problem.detail === "string" ? problem.detail : "",
      typeof problem.type === "string" ? problem.type : "",
      Array.isArray(problem.errors) ? (problem.errors as { name?: string; message?: string }[]) : [],
      body,
    );
  }
  return new ApiError(response.status, `HTTP ${response.status} ${response.statusText}`, text.slice(0, 300), "");
}

export function mappingPath(collectionId: string, groupId: string): string {
  return `/mappings/${encodeURIComponent(collectionId)}/${encodeURIComponent(groupId)}`;
}

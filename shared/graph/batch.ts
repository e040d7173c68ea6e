/**
 * JSON batching: up to 20 sub-requests per `POST /$batch`, each answered with its own status, headers and body
 * (docs/service-facts.md). Retrying what a batch answered is jobRunner.ts's work.
 */
import { BatchRequestContent } from "@microsoft/microsoft-graph-client";
import { GraphRequestError, errorInfo } from "./graphErrors.js";
import type { GraphAnswer, HttpMethod, StatsSink, TenantConnection } from "./transport.js";

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
  return readBatchAnswers(answer.body, requests.length, answer.sentAt);
}

/**
 * The batch answer read directly (not through BatchResponseContent, which rebuilds a fetch Response per item and
 * mishandles JSON bodies whose header is spelled `content-type`, and 204s that carry a body).
 */
function readBatchAnswers(body: unknown, count: number, sentAt: number): GraphAnswer[] {
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
    answers[index] = { status, header: (name) => headerMap.get(name.toLowerCase()) ?? null, body: itemBody ?? null, sentAt };
  }
  return answers;
}

/** A sub-request Graph did not answer: retried like a transient failure. */
export const missingAnswer: GraphAnswer = { status: 500, header: () => null, body: null, sentAt: 0 };

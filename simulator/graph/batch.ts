/**
 * `POST /$batch` (docs/service-facts.md): up to 20 sub-requests with relative URLs; each answered with its own id, status,
 * headers and body; `dependsOn` orders them, the rest run concurrently and come back in no fixed order. The
 * batch is 200 even when sub-requests fail or are throttled (each sub-request is charged on its own).
 */
import type { SimulatorCore } from "../core.js";
import { jsonResponse, readablePathAndQuery, type SimRequest, type SimResponse } from "../http/types.js";
import type { DirectoryState } from "../state/directoryState.js";
import { graphError } from "./graphErrors.js";
import { executeGraphRequest } from "./graphService.js";

const MAX_REQUESTS = 20;

interface BatchStep {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly dependsOn: string[];
}

const invalid = (message: string): SimResponse => graphError(400, "BadRequest", message);

function parseSteps(body: unknown): BatchStep[] | SimResponse {
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests)) return invalid("Invalid batch payload format: 'requests' is required.");
  if (requests.length === 0) return invalid("Invalid batch payload format: at least one request is required.");
  if (requests.length > MAX_REQUESTS) return invalid(`Invalid batch payload format: the number of requests exceeds the limit of ${MAX_REQUESTS}.`);
  const steps: BatchStep[] = [];
  const ids = new Set<string>();
  for (const raw of requests as unknown[]) {
    const r = raw as Record<string, unknown> | null;
    if (!r || typeof r.id !== "string" || r.id === "" || typeof r.method !== "string" || typeof r.url !== "string") {
      return invalid("Invalid batch payload format: every request needs 'id', 'method' and 'url'.");
    }
    if (ids.has(r.id)) return invalid(`Invalid batch payload format: duplicate request id '${r.id}'.`);
    ids.add(r.id);
    const headers: Record<string, string> = {};
    if (r.headers && typeof r.headers === "object") {
      for (const [k, v] of Object.entries(r.headers as Record<string, unknown>)) headers[k.toLowerCase()] = String(v);
    }
    const dependsOn = Array.isArray(r.dependsOn) ? r.dependsOn.map(String) : [];
    steps.push({ id: r.id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body, dependsOn });
  }
  for (const step of steps) {
    for (const dep of step.dependsOn) {
      if (!ids.has(dep) || dep === step.id) return invalid(`Invalid batch payload format: unknown dependsOn id '${dep}'.`);
    }
  }
  return steps;
}

function subRequest(parent: SimRequest, step: BatchStep): SimRequest | SimResponse {
  if (/^[a-z]+:\/\//i.test(step.url)) return invalid("Batch request URLs must be relative, for example '/groups/{id}'.");
  const url = new URL(step.url.startsWith("/") ? step.url : `/${step.url}`, "http://batch.invalid");
  if (step.body !== undefined && step.headers["content-type"] === undefined) {
    return invalid("Content-Type header must be specified when a request in a batch has a body.");
  }
  return {
    method: step.method,
    path: url.pathname,
    query: url.searchParams,
    pathAndQuery: readablePathAndQuery(url.pathname + url.search),
    headers: step.headers,
    body: step.body,
    invalidJson: false,
    publicBase: parent.publicBase,
    inBatch: true,
  };
}

function toBatchItem(id: string, response: SimResponse): Record<string, unknown> {
  const item: Record<string, unknown> = { id, status: response.status, headers: response.headers };
  if (response.body !== undefined) item.body = response.body;
  else if (response.text !== undefined) item.body = response.text;
  return item;
}

export async function executeBatch(core: SimulatorCore, req: SimRequest, tenant: DirectoryState): Promise<SimResponse> {
  const parsed = req.invalidJson ? invalid("Invalid batch payload format: the body is not valid JSON.") : parseSteps(req.body);
  if (!Array.isArray(parsed)) return parsed;
  const results = new Map<string, Promise<SimResponse>>();
  const run = async (step: BatchStep): Promise<SimResponse> => {
    const deps = await Promise.all(step.dependsOn.map((d) => results.get(d) ?? Promise.reject(new Error(`cycle at ${d}`))));
    if (deps.some((r) => r.status >= 400)) {
      return graphError(424, "FailedDependency", "The request could not be processed because a request it depends on failed.");
    }
    const sub = subRequest(req, step);
    if (!("publicBase" in sub)) return sub;
    return executeGraphRequest(core, sub, tenant);
  };
  // Steps are started in an order that respects dependsOn; a step whose dependency comes later is deferred.
  const pending = [...parsed];
  while (pending.length > 0) {
    const index = pending.findIndex((s) => s.dependsOn.every((d) => results.has(d)));
    if (index < 0) return invalid("Invalid batch payload format: dependsOn forms a cycle.");
    const [step] = pending.splice(index, 1) as [BatchStep];
    results.set(step.id, run(step));
  }
  const items = await Promise.all(parsed.map(async (s) => toBatchItem(s.id, await (results.get(s.id) as Promise<SimResponse>))));
  // Graph gives no order guarantee: shuffle so clients match responses by id.
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(core.random() * (i + 1));
    [items[i], items[j]] = [items[j] as Record<string, unknown>, items[i] as Record<string, unknown>];
  }
  const units = items.reduce((sum, item) => sum + Number((item.headers as Record<string, string>)["x-ms-resource-unit"] ?? 0), 0);
  return jsonResponse(200, { responses: items }, { "x-ms-resource-unit": String(units) });
}

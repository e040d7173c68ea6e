/**
 * The Graph pipeline for one request or `$batch` sub-request: listeners → scripted faults → throttle buckets →
 * handler, then Graph's standard headers (`x-ms-resource-unit`, `request-id`) and the request log.
 */
import { randomUUID } from "node:crypto";
import type { SimulatorCore } from "../core.js";
import { RouteError, type SimRequest, type SimResponse } from "../http/types.js";
import type { DirectoryState } from "../state/directoryState.js";
import { faultError, graphError } from "./graphErrors.js";
import { routeGraph } from "./graphRouter.js";

const BODY_METHODS = new Set(["POST", "PATCH", "PUT"]);

function throttled(retryAfterSeconds: number, scope: string, information: string): SimResponse {
  return graphError(429, "TooManyRequests", "Too many requests. Please retry after the time given in the Retry-After header.", {
    "Retry-After": String(retryAfterSeconds),
    "x-ms-throttle-scope": scope,
    "x-ms-throttle-information": information,
  });
}

function runRoute(run: () => SimResponse): SimResponse {
  try {
    return run();
  } catch (error) {
    if (error instanceof RouteError) return error.response;
    // A simulator bug must still look like a service error, and be visible in the test output.
    console.error("simulated Graph: handler failed", error);
    return graphError(500, "generalException", "An unexpected error occurred in the simulated tenant.");
  }
}

export async function executeGraphRequest(core: SimulatorCore, req: SimRequest, tenant: DirectoryState): Promise<SimResponse> {
  const route = routeGraph(req, tenant, core.options.now);
  await core.notify("graph", req, tenant.tenantId);
  let response: SimResponse | null = null;
  const fault = await core.applyFault("graph", req, faultError);
  if (fault?.kind === "respond") response = fault.response;
  if (!response && req.invalidJson && BODY_METHODS.has(req.method)) {
    response = graphError(
      400,
      "BadRequest",
      "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    );
  }
  if (!response && core.throttle) {
    const refusal = core.throttle.charge(tenant.tenantId, route.cost);
    if (refusal) response = throttled(refusal.retryAfterSeconds, refusal.scope, refusal.information);
  }
  response ??= runRoute(route.run);
  const requestId = randomUUID();
  response.headers["x-ms-resource-unit"] = String(route.cost.resourceUnits);
  response.headers["request-id"] = requestId;
  response.headers["client-request-id"] = req.headers["client-request-id"] ?? requestId;
  core.log.record({
    service: "graph",
    method: req.method,
    path: req.pathAndQuery,
    status: response.status,
    tenantId: tenant.tenantId,
    inBatch: req.inBatch,
    kind: route.kind,
  });
  return response;
}

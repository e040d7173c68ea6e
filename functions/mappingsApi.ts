import { app, type HttpMethod, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import type { ApiDeps, ApiResponse, MappingsApi } from "../shared/api/apiTypes.js";
import { createMappingsApi } from "../shared/api/router.js";
import { apiFunctionAuthLevel } from "../shared/compose.js";

const METHODS: HttpMethod[] = ["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"];

function toHttpResponse(response: ApiResponse): HttpResponseInit {
  return {
    status: response.status,
    headers: { ...response.headers },
    ...(response.textBody !== undefined ? { body: response.textBody } : response.jsonBody === undefined ? {} : { body: JSON.stringify(response.jsonBody) }),
  };
}

/**
 * The HTTP trigger → the transport-neutral API core (shared/api). The route is `{*path}` below the host's
 * `api` prefix, so `params.path` is everything after `/api/`. The body is handed over as a stream: the core
 * reads it only for routes that take one, and stops at the route's limit (64 KiB; 4 MiB for a snapshot part).
 */
export function makeMappingsApiFunction(getDeps: () => Promise<ApiDeps>) {
  let built: { deps: ApiDeps; api: MappingsApi } | undefined;
  return async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const deps = await getDeps();
    if (built?.deps !== deps) built = { deps, api: createMappingsApi(deps) };
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const response = await built.api.handle({
      method: request.method,
      path: `/${request.params.path ?? ""}`,
      query: request.query,
      headers,
      body: request.body,
    });
    return toHttpResponse(response);
  };
}

app.http("mappingsApi", {
  route: "{*path}",
  methods: METHODS,
  // App Service Authentication (Easy Auth) stands in front and the API checks app roles itself; with
  // API_AUTH=function-key the host checks function keys instead (README, "Authorization").
  authLevel: apiFunctionAuthLevel(),
  handler: makeMappingsApiFunction(() => import("../shared/compose.js").then(async (m) => (await m.getAppServices()).api)),
});

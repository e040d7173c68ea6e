import { Readable } from "node:stream";
import { app, type HttpMethod, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import type { ApiDeps, MappingsApi } from "../shared/api/apiTypes.js";
import type { ApiResponse } from "../shared/api/apiMessages.js";
import { createMappingsApi } from "../shared/api/router.js";
import { apiFunctionAuthLevel } from "./apiAuthLevel.js";
import { defaultConsoleDir, loadConsoleFiles, type ConsoleFiles } from "../shared/console/consoleFiles.js";

const METHODS: HttpMethod[] = ["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"];

function toHttpResponse(response: ApiResponse): HttpResponseInit {
  const body =
    response.streamBody !== undefined
      ? Readable.from(response.streamBody())
      : response.bytesBody !== undefined
        ? response.bytesBody
        : response.textBody !== undefined
          ? response.textBody
          : response.jsonBody === undefined
            ? undefined
            : JSON.stringify(response.jsonBody);
  return { status: response.status, headers: { ...response.headers }, ...(body === undefined ? {} : { body }) };
}

/**
 * The one HTTP trigger: `/api/…` → the transport-neutral API core (shared/api), anything else → the console's
 * static files. One catch-all route (host.json routePrefix "") instead of two overlapping ones, because the
 * Functions host does not order overlapping routes the way ASP.NET does. The body is handed over as a stream:
 * the core reads it only for routes that take one, and stops at the route's limit (64 KiB; 4 MiB for a snapshot part).
 */
export function makeMappingsApiFunction(getDeps: () => Promise<ApiDeps>, consoleFiles?: ConsoleFiles) {
  let built: { deps: ApiDeps; api: MappingsApi } | undefined;
  return async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const path = `/${request.params.path ?? ""}`;
    if (path !== "/api" && !path.startsWith("/api/")) {
      if (consoleFiles !== undefined)
        return toHttpResponse(consoleFiles.answer(request.method, path, { "accept-encoding": request.headers.get("accept-encoding") ?? undefined }));
      return toHttpResponse({ status: 404, headers: { "content-type": "text/plain; charset=utf-8" }, textBody: "The API lives under /api/." });
    }
    const deps = await getDeps();
    if (built?.deps !== deps) built = { deps, api: createMappingsApi(deps) };
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const response = await built.api.handle({
      method: request.method,
      path: path.slice("/api".length) || "/",
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
  // API_AUTH=function-key the host checks function keys instead (docs/api.md "Authorization").
  authLevel: apiFunctionAuthLevel(),
  handler: makeMappingsApiFunction(
    () => import("./azureServices.js").then(async (m) => (await m.getAppServices()).api),
    loadConsoleFiles(defaultConsoleDir(import.meta.url)),
  ),
});

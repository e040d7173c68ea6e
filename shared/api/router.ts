import type { ApiDeps, MappingsApi } from "./apiTypes.js";
import type { ApiRequest, ApiResponse } from "./apiMessages.js";
import { assertAuthConfig, authenticate, authorize } from "./auth.js";
import { createFleetIndex } from "../mappings/fleetIndex.js";
import { auditRoutes } from "./auditRoutes.js";
import { collectionRoutes } from "./collectionRoutes.js";
import { refuseCrossSiteWrites } from "./crossSiteGuard.js";
import { groupRoutes } from "./groupRoutes.js";
import { healthRoutes } from "./healthRoutes.js";
import { mappingActionRoutes } from "./mappingActionRoutes.js";
import { mappingRoutes } from "./mappingRoutes.js";
import { meRoutes } from "./meRoutes.js";
import { runReportRoutes } from "./runReportRoutes.js";
import { snapshotRoutes } from "./snapshotRoutes.js";
import { ApiProblem, problemFromError, problemResponse } from "./problems.js";
import type { Route } from "./route.js";

const BASE_HEADERS = { "cache-control": "no-store", "x-content-type-options": "nosniff" };

function splitPath(path: string): string[] {
  const segments = path.split("/").filter((segment) => segment !== "");
  try {
    return segments.map((segment) => decodeURIComponent(segment));
  } catch {
    throw ApiProblem.validation([{ in: "path", name: "", message: "the path is not valid percent-encoding" }]);
  }
}

function match(pattern: string, segments: readonly string[]): Record<string, string> | null {
  const parts = pattern.split("/").filter((part) => part !== "");
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] ?? "";
    if (part.startsWith(":")) params[part.slice(1)] = segment;
    else if (part !== segment) return null;
  }
  return params;
}

/** Builds the API over its dependencies. Auth comes first, so an anonymous caller learns nothing about routes. */
export function createMappingsApi(apiDeps: ApiDeps): MappingsApi {
  assertAuthConfig(apiDeps.auth);
  const deps = { ...apiDeps, fleet: apiDeps.fleet ?? createFleetIndex(apiDeps) };
  const routes: Route[] = [
    ...mappingRoutes(deps),
    ...mappingActionRoutes(deps),
    ...runReportRoutes(deps),
    ...auditRoutes(deps),
    ...groupRoutes(deps),
    ...collectionRoutes(deps),
    ...healthRoutes(deps),
    ...meRoutes(),
    ...snapshotRoutes(deps),
  ];

  async function dispatch(request: ApiRequest): Promise<ApiResponse> {
    // Before authentication: a forged cross-site write is refused whatever cookie or principal it carries.
    refuseCrossSiteWrites(request);
    const principal = authenticate(request.headers, deps.auth);
    const segments = splitPath(request.path);
    const method = request.method.toUpperCase();
    const candidates = routes.flatMap((route) => {
      const params = match(route.pattern, segments);
      return params === null ? [] : [{ route, params }];
    });
    if (candidates.length === 0) throw new ApiProblem(404, "not-found", `No API route ${request.path}.`);
    const chosen = candidates.find((candidate) => candidate.route.method === method);
    if (chosen === undefined) {
      const allow = candidates.map((candidate) => candidate.route.method).join(", ");
      throw new ApiProblem(405, "method-not-allowed", `${method} is not supported here; use ${allow}.`, [], { allow });
    }
    authorize(principal, chosen.route.access);
    return chosen.route.handle({ request, principal, params: chosen.params });
  }

  return {
    routes: routes.map(({ method, pattern, access }) => ({ method, pattern, access })),
    async handle(request) {
      const instance = `/api${request.path.startsWith("/") ? "" : "/"}${request.path}`;
      let response: ApiResponse;
      try {
        response = await dispatch(request);
      } catch (error) {
        const problem = problemFromError(error, deps.log, { method: request.method, path: instance });
        if (problem.kind === "authentication-not-enabled") {
          deps.log.error("API refused: API_AUTH=easyauth but App Service Authentication is not enabled (WEBSITE_AUTH_ENABLED)", {
            method: request.method,
            path: instance,
          });
        }
        response = problemResponse(problem, instance);
      }
      return { ...response, headers: { ...BASE_HEADERS, ...response.headers } };
    },
  };
}

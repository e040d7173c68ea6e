import type { ApiRequest, ApiResponse } from "./apiMessages.js";
import type { Access, Principal } from "./auth.js";

/** What a route's handler gets: the request, who sent it, and the path parameters its pattern captured. */
export interface RouteContext {
  readonly request: ApiRequest;
  readonly principal: Principal;
  /** Decoded path parameters, still unvalidated (handlers check them against ids.ts). */
  readonly params: Readonly<Record<string, string>>;
}

/** One API route: what each *Routes.ts module hands the router (router.ts), which matches, authorizes and calls it. */
export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Segments below /api; `:name` captures one segment. */
  readonly pattern: string;
  readonly access: Access;
  handle(context: RouteContext): Promise<ApiResponse>;
}

/** A JSON answer; router.ts adds the headers every answer carries. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, jsonBody: body };
}

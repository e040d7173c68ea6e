import type { MappingsApi } from "../shared/api/apiTypes.js";
import type { ApiResponse } from "../shared/api/apiMessages.js";
import { UsageError } from "./usage.js";

/** A problem the API answered with; the CLI maps 4xx to exit 2 (the input was wrong) and 5xx to exit 1. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The CLI drives the same transport-neutral API core as the HTTP trigger, in-process: one set of validation
 * rules and error messages for both doors.
 */
export async function callApi(
  api: MappingsApi,
  method: string,
  path: string,
  options: { query?: Record<string, string>; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const response = await api.handle({
    method,
    path,
    query: new URLSearchParams(options.query ?? {}),
    headers: { "content-type": "application/json", ...(options.headers ?? {}) },
    body: options.body === undefined ? null : JSON.stringify(options.body),
  });
  if (response.status >= 400) {
    const problem = (response.jsonBody ?? {}) as { title?: string; detail?: string; errors?: Array<{ message?: string; name?: string }> };
    const fieldErrors = (problem.errors ?? []).map((e) => `  - ${[e.name, e.message].filter(Boolean).join(": ")}`);
    const lines = fieldErrors.length > 0 ? [problem.title ?? "Invalid input", ...fieldErrors] : [problem.detail ?? problem.title ?? `HTTP ${response.status}`];
    const message = lines.join("\n");
    if (response.status < 500) throw new UsageError(message);
    throw new ApiFailure(response.status, message);
  }
  return response;
}

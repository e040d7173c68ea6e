import { afterAll, beforeAll, expect } from "vitest";
import type { ApiRequest, ApiResponse } from "../../../shared/api/apiMessages.js";
import { PROBLEM_BASE, PROBLEM_CONTENT_TYPE } from "../../../shared/api/problems.js";
import { COLLECTIONS, GROUPS } from "../../api/apiSeed.js";
import { startApiHarness, type ApiHarness } from "../../api/apiHarness.js";
import { tallyScenario } from "./tally.js";

/** The mapping every hostile-input test starts with, so routes on an existing mapping are reachable. */
export const EXISTING = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned } as const;

/** A request exactly as given: the path is not normalised or re-encoded on the way (unlike a URL object). */
export function rawRequest(
  method: string,
  path: string,
  options: { query?: string; headers?: Record<string, string>; body?: ApiRequest["body"] } = {},
): ApiRequest {
  return { method, path, query: new URLSearchParams(options.query ?? ""), headers: options.headers ?? {}, body: options.body ?? null };
}

/** What must not change while hostile input is thrown at the API: the stored mappings (with ETags), jobs, Graph writes. */
export interface Snapshot {
  readonly mappings: string[];
  readonly jobs: number;
  readonly graphWrites: number;
}

export async function snapshot(h: ApiHarness): Promise<Snapshot> {
  const mappings: string[] = [];
  for await (const m of h.stores.mappings.listAll()) mappings.push(JSON.stringify(m));
  return {
    mappings: mappings.sort(),
    jobs: h.queue.sent.length,
    graphWrites: h.tenant.requestLog.filter((e) => e.service === "graph" && e.kind === "write").length,
  };
}

/** A refusal as the API promises it: a 4xx with an RFC 9457 problem document, never a 5xx. */
export function expectProblem(response: ApiResponse, context: string): void {
  expect(response.status, context).toBeGreaterThanOrEqual(400);
  expect(response.status, context).toBeLessThan(500);
  expect(response.headers["content-type"], context).toBe(PROBLEM_CONTENT_TYPE);
  const body = response.jsonBody as { type?: unknown; title?: unknown; status?: unknown };
  expect(body.status, context).toBe(response.status);
  expect(String(body.type), context).toMatch(new RegExp(`^${PROBLEM_BASE.replace(/[.]/g, "\\.")}[a-z-]+$`));
  expect(typeof body.title, context).toBe("string");
}

/** No request ended in the API's "failed unexpectedly" branch (which is what a 500 would have come from). */
export function expectNoInternalErrors(h: ApiHarness): void {
  expect(h.logs.filter((entry) => entry.message === "API request failed unexpectedly")).toEqual([]);
}

/** A short description of an input for assertion messages (hostile strings can be 10 KB of control characters). */
export function show(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…(${text.length})` : text);
}

export interface HostileApiSuite {
  /** The harness (available inside tests). */
  readonly h: () => ApiHarness;
  /** Counts one hostile input tried (for the suite summary). */
  readonly tried: () => void;
}

/**
 * For a test file: one API harness holding the EXISTING mapping; after all tests, the stored mappings, jobs and
 * Graph writes must be as they were, with no internal error logged, and the inputs tried are tallied.
 */
export function hostileApiSuite(scenario: string, options: Parameters<typeof startApiHarness>[0] = {}): HostileApiSuite {
  let harness: ApiHarness | undefined;
  let before: Snapshot;
  let count = 0;
  beforeAll(async () => {
    harness = await startApiHarness(options);
    expect((await harness.call("POST", "/mappings", { body: EXISTING })).status).toBe(201);
    before = await snapshot(harness);
  });
  afterAll(async () => {
    if (harness === undefined) return;
    expect(await snapshot(harness)).toEqual(before);
    expectNoInternalErrors(harness);
    tallyScenario(scenario, { inputsTried: count });
    await harness.close();
  });
  return {
    h: () => {
      if (harness === undefined) throw new Error("the API harness is not started");
      return harness;
    },
    tried: () => void (count += 1),
  };
}

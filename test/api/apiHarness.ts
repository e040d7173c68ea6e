import { afterEach } from "vitest";
import type { ApiDeps, MappingsApi } from "../../shared/api/apiTypes.js";
import type { ApiRequest, ApiResponse } from "../../shared/api/apiMessages.js";
import type { AuthConfig } from "../../shared/api/auth.js";
import { probeAll } from "../../shared/doctor/health.js";
import { apiDepsFrom } from "../../shared/api/apiDeps.js";
import { createAdminServiceCatalog } from "../../shared/configmgr/adminServiceCatalog.js";
import { noAdminServiceAuth } from "../../shared/configmgr/adminServiceAuth.js";
import { diagnoseApp } from "../../shared/doctor/appDiagnosis.js";
import { mappedCollections } from "../../shared/snapshots/mappedCollections.js";
import { createMappingsApi } from "../../shared/api/router.js";
import type { Logger } from "../../shared/logger.js";
import type { TableStores } from "../../shared/storage/tableStores.js";
import type { Clock } from "../../shared/core/ports/clock.js";
import { syncMapping } from "../../shared/sync/syncMapping.js";
import type { SimulatedTenant, SimulatorSeed } from "../../simulator/index.js";
import { startSyncHarness } from "../support/syncHarness.js";
import { apiSeed } from "./apiSeed.js";
import { fakeJobQueue, type FakeJobQueue } from "./fakeJobQueue.js";

export interface LogEntry {
  readonly level: "info" | "warn" | "error";
  readonly message: string;
  readonly properties: Record<string, unknown>;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON answer; tests read its fields freely. */
  readonly body: any;
}

export interface ApiHarness {
  readonly api: MappingsApi;
  readonly deps: ApiDeps;
  readonly stores: TableStores;
  readonly queue: FakeJobQueue;
  readonly tenant: SimulatedTenant;
  readonly logs: LogEntry[];
  /** Calls the transport-neutral core. `path` is below /api and may carry a query string. */
  /** A Uint8Array body is sent as bytes (a gzip snapshot part); anything else as JSON. */
  call(method: string, path: string, options?: { headers?: Record<string, string>; body?: unknown }): Promise<CallResult>;
  /** Every mapping in the table (to prove a refused request stored nothing). */
  storedMappings(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * The API over real parts (the sync harness: its own Azurite tables, a fresh simulated tenant reached through
 * the real Graph and AdminService adapters, the real sync engine for previews and approvals). Only the queue
 * is a fake.
 */
export async function startApiHarness(
  options: { seed?: SimulatorSeed; auth?: AuthConfig; pushed?: boolean; clock?: Clock; snapshotMaxAgeMs?: number; stagingMaxBytes?: number } = {},
): Promise<ApiHarness> {
  const logs: LogEntry[] = [];
  const record =
    (level: LogEntry["level"]) =>
    (message: string, properties: Record<string, unknown> = {}) =>
      void logs.push({ level, message, properties });
  const log: Logger = { info: record("info"), warn: record("warn"), error: record("error") };
  // Real time, but back-off waits cost nothing: a test against a closed simulator fails fast, not after 8 retries.
  const clock: Clock = options.clock ?? { now: () => Date.now(), sleep: async () => {} };
  const sync = await startSyncHarness({
    seed: options.seed ?? apiSeed(),
    clock,
    log,
    maxConcurrency: 2,
    ...(options.pushed ? { pushed: true } : {}),
    ...(options.snapshotMaxAgeMs === undefined ? {} : { policy: { snapshotMaxAgeMs: options.snapshotMaxAgeMs } }),
  });
  const { tenant, stores } = sync;
  const { directories } = sync.deps;
  const queue = fakeJobQueue();
  const { snapshotMaxAgeMs } = sync.deps.policy;
  const deps: ApiDeps = apiDepsFrom(sync.deps, {
    queue,
    runSync: (request) => syncMapping(sync.deps, request),
    health: () => probeAll({ storage: () => stores.ping(), graph: () => directories.open(null).searchGroups("Intune", 1) }),
    diagnose: () =>
      diagnoseApp({
        storage: () => stores.ping(),
        queue,
        mappings: stores.mappings,
        graph: { baseUrl: tenant.graphBaseUrl, credentialFor: () => null, directories },
        adminService: options.pushed ? null : { baseUrl: tenant.adminServiceUrl, auth: noAdminServiceAuth },
        snapshots: options.pushed
          ? {
              mapped: () => mappedCollections({ mappings: stores.mappings, snapshots: deps.snapshots }, clock.now(), snapshotMaxAgeMs),
              maxAgeMs: snapshotMaxAgeMs,
            }
          : null,
      }),
    auth: options.auth ?? { mode: "none" },
    collections: createAdminServiceCatalog({ baseUrl: tenant.adminServiceUrl }),
    snapshotStore: stores.snapshots,
    catalogStore: stores.catalog,
    ...(options.stagingMaxBytes === undefined ? {} : { stagingMaxBytes: options.stagingMaxBytes }),
    audit: stores.audit,
  });
  const api = createMappingsApi(deps);

  return {
    api,
    deps,
    stores,
    queue,
    tenant,
    logs,
    async call(method, path, callOptions = {}) {
      const url = new URL(path, "http://localhost");
      const body = callOptions.body;
      const request: ApiRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: {
          ...(body === undefined ? {} : { "content-type": body instanceof Uint8Array ? "application/gzip" : "application/json" }),
          ...Object.fromEntries(Object.entries(callOptions.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
        },
        body: body === undefined ? null : typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
      };
      const response = await api.handle(request);
      return { status: response.status, headers: response.headers, body: response.jsonBody };
    },
    async storedMappings() {
      const keys: string[] = [];
      for await (const mapping of stores.mappings.listAll()) keys.push(`${mapping.collectionId}/${mapping.groupId}`);
      return keys;
    },
    close: () => tenant.close(),
  };
}

export type HarnessOptions = Parameters<typeof startApiHarness>[0];

/** For a test file: a starter whose harnesses are closed after each test. */
export function harnessPerTest(defaults: HarnessOptions = {}): (options?: HarnessOptions) => Promise<ApiHarness> {
  const open: ApiHarness[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
  });
  return async (options) => {
    const harness = await startApiHarness({ ...defaults, ...options });
    open.push(harness);
    return harness;
  };
}

/** The whole body of an answer, also when it is streamed (a CSV). */
export async function responseText(response: ApiResponse): Promise<string> {
  if (response.streamBody === undefined) return response.textBody ?? "";
  const pieces: Buffer[] = [];
  for await (const piece of response.streamBody()) pieces.push(typeof piece === "string" ? Buffer.from(piece, "utf8") : Buffer.from(piece));
  return Buffer.concat(pieces).toString("utf8");
}

import { randomUUID } from "node:crypto";
import { mappingKeyOf } from "../../shared/core/ids.js";
import type { SyncRequest } from "../../shared/sync/syncDeps.js";
import type { RunStatus, SyncRun } from "../../shared/core/syncRun.js";
import { emptyCounts } from "../../shared/core/syncRun.js";

/**
 * Stands in for the sync engine in the worker's tests. The worker decides only from the run the engine returns
 * (or the fault it throws), and the engine is tested on its own against the simulated tenant; this keeps the
 * worker's decisions visible without a tenant.
 */
export function fakeRunSync(outcome: (request: SyncRequest) => Partial<SyncRun> & { status: RunStatus }) {
  const requests: SyncRequest[] = [];
  const runSync = async (request: SyncRequest): Promise<SyncRun> => {
    requests.push(request);
    return runFor(request, outcome(request));
  };
  return { runSync, requests };
}

export function runFor(request: SyncRequest, overrides: Partial<SyncRun> & { status: RunStatus }): SyncRun {
  return {
    runId: randomUUID(),
    mappingKey: mappingKeyOf(request),
    collectionId: request.collectionId,
    groupId: request.groupId,
    tenantId: null,
    mode: "additive",
    trigger: request.trigger,
    startedAt: "2025-03-10T09:05:01.000Z",
    finishedAt: "2025-03-10T09:05:04.000Z",
    durationMs: 3000,
    counts: { ...emptyCounts(), source: 120, resolved: 118, added: 7, alreadyPresent: 111 },
    graphRequests: 9,
    adminServiceRequests: 3,
    throttledWaitMs: 0,
    blockedBy: null,
    message: "",
    errors: [],
    preview: null,
    retryAfterMs: null,
    ...overrides,
  };
}

import { mappingKeyOf, type MappingRef } from "../../shared/core/ids.js";
import { emptyCounts, type SyncRun } from "../../shared/core/syncRun.js";

/** A finished scheduled run of `ref` that started at `startedAt` (epoch ms). */
export function finishedRun(ref: MappingRef, startedAt: number, runId: string): SyncRun {
  return {
    runId,
    mappingKey: mappingKeyOf(ref),
    collectionId: ref.collectionId,
    groupId: ref.groupId,
    tenantId: null,
    mode: "additive",
    trigger: "schedule",
    status: "succeeded",
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(startedAt + 1000).toISOString(),
    durationMs: 1000,
    counts: { ...emptyCounts(), source: 2, resolved: 2, added: 2 },
    graphRequests: 3,
    adminServiceRequests: 3,
    throttledWaitMs: 0,
    blockedBy: null,
    message: "Added 2 members.",
    errors: [],
    preview: null,
    retryAfterMs: null,
  };
}

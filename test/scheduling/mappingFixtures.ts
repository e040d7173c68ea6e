import { randomUUID } from "node:crypto";
import { uniqueCollectionId } from "../support/newMapping.js";
import type { SyncJob } from "../../shared/core/syncJob.js";

export { newMapping, uniqueCollectionId } from "../support/newMapping.js";

export function syncJob(overrides: Partial<SyncJob> = {}): SyncJob {
  const collectionId = overrides.collectionId ?? uniqueCollectionId();
  const groupId = overrides.groupId ?? randomUUID();
  return {
    jobId: `${collectionId}_${groupId}_202503100905`,
    collectionId,
    groupId,
    trigger: "schedule",
    enqueuedAt: "2025-03-10T09:05:00.000Z",
    attempt: 0,
    ...overrides,
  };
}

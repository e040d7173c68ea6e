import { randomBytes, randomUUID } from "node:crypto";
import type { NewMapping } from "../../shared/mappings/mapping.js";
import type { SyncJob } from "../../shared/queue/jobQueue.js";

/** A collection id no other test uses: site code "T" + 2 letters/digits, then 5 hex digits. */
export function uniqueCollectionId(): string {
  const site = `T${randomBytes(1).toString("hex").toUpperCase()}`;
  const number = randomBytes(3).toString("hex").slice(0, 5).toUpperCase();
  return `${site}${number}`;
}

export function newMapping(overrides: Partial<NewMapping> = {}): NewMapping {
  const at = "2025-03-10T08:00:00.000Z";
  return {
    collectionId: uniqueCollectionId(),
    groupId: randomUUID(),
    tenantId: null,
    mode: "additive",
    enabled: true,
    includeHybridJoined: false,
    removalThresholdPercent: null,
    removalThresholdCount: null,
    collectionName: null,
    groupName: null,
    memberType: "device",
    createdAt: at,
    createdBy: "admin@contoso.example",
    updatedAt: at,
    updatedBy: "admin@contoso.example",
    ...overrides,
  };
}

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

import { randomBytes, randomUUID } from "node:crypto";
import type { NewMapping } from "../../shared/core/mapping.js";

/** A collection id no other test uses: site code "T" + 2 hex digits, then 5 hex digits. */
export function uniqueCollectionId(): string {
  const site = `T${randomBytes(1).toString("hex").toUpperCase()}`;
  const number = randomBytes(3).toString("hex").slice(0, 5).toUpperCase();
  return `${site}${number}`;
}

/** A complete mapping record with defaults (additive, enabled, device, home tenant); override what a test needs. */
export function newMapping(overrides: Partial<NewMapping> = {}): NewMapping {
  const at = "2026-01-05T10:00:00.000Z";
  return {
    collectionId: uniqueCollectionId(),
    groupId: randomUUID(),
    tenantId: null,
    mode: "additive",
    enabled: true,
    includeHybridJoined: false,
    removalThresholdPercent: null,
    removalThresholdCount: null,
    notify: true,
    collectionName: null,
    groupName: null,
    memberType: "device",
    createdAt: at,
    createdBy: "admin@contoso.com",
    updatedAt: at,
    updatedBy: "admin@contoso.com",
    ...overrides,
  };
}

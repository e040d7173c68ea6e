import type { CollectionInfo, MembershipSourceProvider } from "../configmgr/membershipSource.js";
import { CollectionSyncError, GroupNotWritableError } from "../errors.js";
import type { DirectoryProvider, GroupInfo } from "../graph/directory.js";
import { judgeGroup } from "./groupEligibility.js";

export type CollectionRefusal = "collection-not-found" | "unsupported-collection-type";

/** The collection cannot feed a mapping (HTTP 422 with the reason as problem type). */
export class CollectionNotUsableError extends CollectionSyncError {
  constructor(
    readonly reason: CollectionRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface UsableCollection {
  readonly info: CollectionInfo;
  readonly memberType: "device" | "user";
}

/** The collection must exist in ConfigMgr and be a device or user collection (CollectionType 2 or 1). */
export async function checkCollection(sources: MembershipSourceProvider, collectionId: string): Promise<UsableCollection> {
  const info = await sources.open().getCollection(collectionId);
  if (info === null) {
    throw new CollectionNotUsableError("collection-not-found", `Collection ${collectionId} does not exist in ConfigMgr.`);
  }
  if (info.type === "other") {
    throw new CollectionNotUsableError(
      "unsupported-collection-type",
      `Collection ${collectionId} ("${info.name}") is neither a device nor a user collection.`,
    );
  }
  return { info, memberType: info.type };
}

/** The group must exist and pass the one eligibility rule (groupEligibility.ts), else GroupNotWritableError. */
export async function checkGroup(
  directories: DirectoryProvider,
  tenantId: string | null,
  groupId: string,
  memberType: "device" | "user",
): Promise<GroupInfo> {
  const group = await directories.open(tenantId).getGroup(groupId);
  if (group === null) {
    const where = tenantId === null ? "the home tenant" : `tenant ${tenantId}`;
    throw new GroupNotWritableError("group-not-found", `Group ${groupId} does not exist in ${where}.`);
  }
  const verdict = judgeGroup(group, memberType);
  if (!verdict.eligible && verdict.reason !== null) {
    throw new GroupNotWritableError(verdict.reason, verdict.message ?? `Group ${groupId} cannot be a target.`);
  }
  return group;
}

import { CollectionAwaitedError, type CollectionInfo, type MembershipSourceProvider } from "../core/ports/membershipSource.js";
import { CollectionSyncError, GroupNotWritableError, ValidationError } from "../errors.js";
import type { DirectoryProvider, GroupInfo } from "../core/ports/directory.js";
import { judgeGroup } from "../core/groupEligibility.js";

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
  /** null: SOURCE_MODE=pushed and no snapshot of the collection has arrived yet. */
  readonly info: CollectionInfo | null;
  readonly memberType: "device" | "user";
  /** The collection's name where only the collector's catalog knows it (no snapshot yet). */
  readonly name?: string;
}

/** SOURCE_MODE=pushed: the site's collection catalog the collector uploads (shared/snapshots/catalogService.ts). */
export interface CollectionLookup {
  find(collectionId: string): Promise<{ readonly name: string; readonly type: "device" | "user" } | null>;
}

/**
 * The collection must exist in ConfigMgr and be a device or user collection (CollectionType 2 or 1), of the
 * member type the caller named if it named one. With pushed snapshots, a collection the collector has not
 * uploaded yet is accepted as awaiting its first snapshot: its type comes from the site's collection catalog, or
 * the caller must say what it holds when the catalog does not list it.
 */
export async function checkCollection(
  sources: MembershipSourceProvider,
  collectionId: string,
  memberType?: "device" | "user",
  catalog?: CollectionLookup,
): Promise<UsableCollection> {
  let info: CollectionInfo | null;
  try {
    info = await sources.open().getCollection(collectionId);
  } catch (error) {
    if (!(error instanceof CollectionAwaitedError)) throw error;
    const listed = (await catalog?.find(collectionId)) ?? null;
    if (listed !== null) {
      if (memberType !== undefined && memberType !== listed.type) {
        throw new CollectionNotUsableError(
          "unsupported-collection-type",
          `Collection ${collectionId} ("${listed.name}") is a ${listed.type} collection, not a ${memberType} collection.`,
        );
      }
      return { info: null, memberType: listed.type, name: listed.name };
    }
    if (memberType === undefined) {
      throw new ValidationError(
        `memberType is required: collection ${collectionId} is not in the collection catalog the on-premises collector uploads and awaits its first snapshot, so the app cannot tell whether it holds devices or users`,
      );
    }
    return { info: null, memberType };
  }
  if (info === null) {
    throw new CollectionNotUsableError("collection-not-found", `Collection ${collectionId} does not exist in ConfigMgr.`);
  }
  if (memberType !== undefined && info.type !== "other" && info.type !== memberType) {
    throw new CollectionNotUsableError(
      "unsupported-collection-type",
      `Collection ${collectionId} ("${info.name}") is a ${info.type} collection, not a ${memberType} collection.`,
    );
  }
  if (info.type === "other") {
    throw new CollectionNotUsableError("unsupported-collection-type", `Collection ${collectionId} ("${info.name}") is neither a device nor a user collection.`);
  }
  return { info, memberType: info.type };
}

/** The group must exist and pass the one eligibility rule (groupEligibility.ts), else GroupNotWritableError. */
export async function checkGroup(directories: DirectoryProvider, tenantId: string | null, groupId: string, memberType: "device" | "user"): Promise<GroupInfo> {
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

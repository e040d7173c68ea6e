import { SourceReadError } from "../../errors.js";

/** What ConfigMgr says about a collection (SMS_Collection). */
export interface CollectionInfo {
  readonly id: string;
  readonly name: string;
  /** CollectionType 2 = device, 1 = user, 0 = other. */
  readonly type: "device" | "user" | "other";
  readonly memberCount: number;
  /** LastMemberChangeTime: when evaluated membership last changed (ISO 8601), null if never. */
  readonly lastMemberChangeTime: string | null;
  /**
   * A source-specific change token beside the two above (SOURCE_MODE=pushed: the snapshot id, so a re-read
   * snapshot counts as a change even when ConfigMgr's watermark did not move). Absent for the AdminService.
   */
  readonly version?: string;
  /**
   * When the source last vouched for this picture (epoch ms): a pushed snapshot's read or confirmation time,
   * checked against SNAPSHOT_MAX_AGE_MINUTES before anything is removed. Absent: read just now.
   */
  readonly vouchedAt?: number;
}

export interface SourceDevice {
  readonly resourceId: number;
  readonly name: string;
  /** AADDeviceID from SMS_R_System: the Entra *deviceId*, not the directory object id. null when unknown. */
  readonly entraDeviceId: string | null;
}

export interface SourceUser {
  readonly resourceId: number;
  readonly name: string;
  readonly userPrincipalName: string | null;
  /** Entra object id where user discovery recorded it (AADUserID), else null. */
  readonly entraObjectId: string | null;
}

/**
 * The source has no picture of this collection yet, though it may get one (SOURCE_MODE=pushed: the collector
 * has not uploaded it): a failed read that a later run retries, never "the collection does not exist".
 */
export class CollectionAwaitedError extends SourceReadError {
  constructor(
    readonly collectionId: string,
    message: string,
  ) {
    super("unavailable", message);
  }
}

/**
 * The ConfigMgr side (AdminService). Reads are all-or-nothing: a failed, timed-out or truncated read throws
 * SourceReadError, never returns partial data (README "How it works" step 3).
 */
export interface MembershipSource {
  /** null: the collection does not exist; CollectionAwaitedError: the source cannot tell yet. */
  getCollection(collectionId: string): Promise<CollectionInfo | null>;
  /**
   * Several collections' watermarks at once (a collector pass checks every mapped collection): keyed by collection
   * id in upper case; a collection that does not exist (or may not be read) is absent. Optional: without it, each
   * collection is read with getCollection.
   */
  getCollections?(collectionIds: readonly string[]): Promise<Map<string, CollectionInfo>>;
  readDeviceMembers(collectionId: string): Promise<SourceDevice[]>;
  readUserMembers(collectionId: string): Promise<SourceUser[]>;
  /**
   * SMS_FullCollectionMembership rows the last member read of `collectionId` returned through this view, every
   * resource type counted (a user collection's user groups too): what MemberCount counts. Undefined when not read
   * (or not known to the source).
   */
  rowsRead?(collectionId: string): number | undefined;
  /** Requests sent through this view (for run records and benchmarks). */
  requestCount(): number;
}

/** Each run opens its own view over one shared HTTP client, so request counts are per run. */
export interface MembershipSourceProvider {
  /**
   * `pushed`: collections are known only from collector snapshots, so one without a snapshot is awaited rather
   * than missing (absent: the AdminService, which knows every collection).
   */
  readonly kind?: "adminservice" | "pushed";
  open(): MembershipSource;
}

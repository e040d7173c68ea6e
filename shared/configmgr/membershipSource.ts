/** What ConfigMgr says about a collection (SMS_Collection). */
export interface CollectionInfo {
  readonly id: string;
  readonly name: string;
  /** CollectionType 2 = device, 1 = user, 0 = other. */
  readonly type: "device" | "user" | "other";
  readonly memberCount: number;
  /** LastMemberChangeTime: when evaluated membership last changed (ISO 8601), null if never. */
  readonly lastMemberChangeTime: string | null;
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
 * The ConfigMgr side (AdminService). Reads are all-or-nothing: a failed, timed-out or truncated read throws
 * SourceReadError, never returns partial data (README "How it works" step 3).
 */
export interface MembershipSource {
  getCollection(collectionId: string): Promise<CollectionInfo | null>;
  readDeviceMembers(collectionId: string): Promise<SourceDevice[]>;
  readUserMembers(collectionId: string): Promise<SourceUser[]>;
  /** Requests sent through this view (for run records and benchmarks). */
  requestCount(): number;
}

/** Each run opens its own view over one shared HTTP client, so request counts are per run. */
export interface MembershipSourceProvider {
  open(): MembershipSource;
}

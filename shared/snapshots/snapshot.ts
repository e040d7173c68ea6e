import type { SourceDevice, SourceUser } from "../core/ports/membershipSource.js";
import { parseSourceTime } from "./sourceTime.js";

/**
 * A collection snapshot: what an on-premises collector read from the AdminService, uploaded in parts and made
 * current by a commit (docs/collector.md). Only committed snapshots are ever read by the sync engine.
 */
export type SnapshotMemberType = "device" | "user";
export type SnapshotMember = SourceDevice | SourceUser;

/** Upload limits (docs/api.md "Snapshots"). A part is gzip-compressed JSON. */
export const SNAPSHOT_LIMITS = {
  /** Compressed bytes of one part. */
  partBytes: 4 * 1024 * 1024,
  /** Decompressed bytes of one part: a gzip bomb stops inflating here. */
  partInflatedBytes: 40 * 1024 * 1024,
  membersPerPart: 50_000,
  parts: 1_000,
  /**
   * Parts of a delta snapshot (a change against a base). Its pointer carries the base's part digests as well as
   * its own, and must stay within one Table Storage property (32K characters): 1,000 + 100 digests fit.
   */
  deltaParts: 100,
  /** Body of a commit or confirm request. */
  commitBytes: 16 * 1024,
  nameLength: 256,
  userPrincipalNameLength: 256,
  collectorLength: 128,
} as const;

/** The collection as ConfigMgr described it when the snapshot was read (SMS_Collection). */
export interface SnapshotCollection {
  readonly name: string;
  readonly type: SnapshotMemberType;
  /** SMS_Collection.MemberCount: with LastMemberChangeTime, the watermark the collector compares. */
  readonly memberCount: number;
  readonly lastMemberChangeTime: string | null;
}

/** What a part holds besides its members; kept with the stored part so a commit can check parts cheaply. */
export interface PartSummary {
  readonly part: number;
  readonly memberType: SnapshotMemberType;
  readonly members: number;
  /** Members are sorted by resource id, so consecutive parts must not overlap (no member counted twice). */
  readonly firstResourceId: number;
  readonly lastResourceId: number;
  /** Members ConfigMgr knew no Entra id for (devices without AADDeviceID; users with neither object id nor UPN). */
  readonly withoutEntraId: number;
  /**
   * Resource ids a delta part takes out of its base (0 in a full snapshot's parts). The range above covers both
   * the members and these ids.
   */
  readonly removed: number;
}

/**
 * The full snapshot a delta snapshot changes: its parts (read by the digests its own commit recorded) and member
 * count. A delta always names a full snapshot, never another delta, so a read is one base plus one change.
 */
export interface SnapshotBase {
  readonly snapshotId: string;
  readonly members: number;
  readonly parts: number;
  readonly digests: readonly string[];
  readonly pieces: readonly number[];
}

/** The snapshot a collection's syncs read: named by the `current` pointer, never changed once committed. */
export interface CurrentSnapshot {
  readonly collectionId: string;
  readonly snapshotId: string;
  readonly collection: SnapshotCollection;
  /**
   * Members of the snapshot (the collection's members of its type; user groups are not members): what the parts
   * hold, or for a delta what its base holds once the parts' removals and members are applied.
   */
  readonly members: number;
  /** This snapshot's own parts (a delta's: the change only). */
  readonly parts: number;
  /**
   * Set when this snapshot is a delta: its parts remove resource ids from this base and add members to it
   * (docs/collector.md "Delta uploads"). Absent for a full snapshot.
   */
  readonly base?: SnapshotBase;
  /** The first 16 hex digits of each part's sha-256, in part order: the exact bytes this commit checked. */
  readonly digests: readonly string[];
  /**
   * Stored rows of each part's bytes, in part order: readers fetch the bytes the commit checked by their digest,
   * so a part uploaded again while (or after) the commit ran can never change this snapshot. Absent on snapshots
   * committed before it was recorded (then the part rows are read).
   */
  readonly pieces?: readonly number[];
  /**
   * Membership rows the collector read (SMS_FullCollectionMembership, user groups included): a user
   * collection's members must add up to it. Absent from older collectors.
   */
  readonly rowsRead?: number;
  readonly readStartedAt: string;
  readonly readFinishedAt: string;
  /** Epoch ms the collector last vouched that ConfigMgr still matches (read or confirmed); drives freshness. */
  readonly freshAt: number;
  readonly committedAt: string;
  /** Who sent it: the collector's host name as it reported it, and the caller the app authenticated. */
  readonly collector: string;
  readonly committedBy: string;
  /** The commit changed what syncs read, so it queued the collection's mappings (re-sent by a retried commit). */
  readonly queuedSyncs: boolean;
  /** Members without an Entra id (absent on snapshots committed before it was counted: read as 0). */
  readonly withoutEntraId?: number;
  /** Epoch ms an admin asked for a read in full (POST /api/collections/{id}/refresh); cleared by the next commit. */
  readonly refreshRequestedAt?: number | null;
}

/** The watermark of a snapshot: a collector compares it with SMS_Collection to skip unchanged collections. */
export function sameWatermark(
  a: Pick<SnapshotCollection, "memberCount" | "lastMemberChangeTime">,
  b: Pick<SnapshotCollection, "memberCount" | "lastMemberChangeTime">,
): boolean {
  return a.memberCount === b.memberCount && changeTime(a.lastMemberChangeTime) === changeTime(b.lastMemberChangeTime);
}

/**
 * Newest wins between two snapshots of one collection: the later LastMemberChangeTime, then the later read.
 * Equal keys are a tie, and a tie keeps the snapshot that is current (two collectors reading the same change).
 */
export function isNewer(
  candidate: Pick<CurrentSnapshot, "collection" | "readStartedAt">,
  current: Pick<CurrentSnapshot, "collection" | "readStartedAt">,
): boolean {
  const change = changeTime(candidate.collection.lastMemberChangeTime) - changeTime(current.collection.lastMemberChangeTime);
  if (change !== 0) return change > 0;
  return Date.parse(candidate.readStartedAt) > Date.parse(current.readStartedAt);
}

/** ConfigMgr writes times in several ISO 8601 shapes; compare instants, never strings. Null is "never". */
function changeTime(value: string | null): number {
  if (value === null) return Number.NEGATIVE_INFINITY;
  return parseSourceTime(value) ?? Number.NEGATIVE_INFINITY;
}

/**
 * Why a read does not add up to what the collection itself reports, by the rule that fails an adminservice-mode
 * read as `source-truncated` (shared/configmgr/adminServiceSource.ts): a device collection's members must reach
 * its MemberCount; a user collection's membership rows must (user groups count in MemberCount but are not
 * users), and its users cannot outnumber those rows. More than MemberCount is fine: members joined while the
 * read ran. Null when it adds up.
 */
export function readShortfall(collection: Pick<SnapshotCollection, "type" | "memberCount">, members: number, rowsRead: number | undefined): string | null {
  if (collection.type === "device") {
    return members >= collection.memberCount ? null : `the read holds ${members} members but the collection reports MemberCount ${collection.memberCount}`;
  }
  const rows = rowsRead ?? members;
  if (rows < collection.memberCount) return `the read holds ${rows} membership rows but the collection reports MemberCount ${collection.memberCount}`;
  if (members > rows) return `the read holds ${members} users but only ${rows} membership rows were read`;
  return null;
}

/** How old the snapshot's evidence is, judged by the app's clock. */
export function snapshotAgeMs(snapshot: Pick<CurrentSnapshot, "freshAt">, now: number): number {
  return Math.max(0, now - snapshot.freshAt);
}

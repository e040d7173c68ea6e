import { createHash } from "node:crypto";
import { forEachSliced } from "../eventLoop.js";
import type { SnapshotMember, SnapshotMemberType } from "../snapshots/snapshot.js";

/**
 * What the collector remembers of a full snapshot the app took from it: each member's resource id and a
 * fingerprint of what was uploaded for it (8 bytes of sha-256 over its fields). That is enough to tell which
 * members joined, left or changed since, without keeping the members themselves (16 bytes a member).
 */
export interface SnapshotBaseRecord {
  readonly collectionId: string;
  readonly snapshotId: string;
  readonly memberType: SnapshotMemberType;
  /** Ascending. */
  readonly resourceIds: Float64Array;
  /** Two 32-bit words per member, in the order of `resourceIds`. */
  readonly fingerprints: Uint32Array;
}

/** A read's members sorted by resource id, with their fingerprints: what a delta is computed from, and the next base. */
export interface FingerprintedRead {
  readonly members: readonly SnapshotMember[];
  readonly resourceIds: Float64Array;
  readonly fingerprints: Uint32Array;
}

/** The change from a base to a read: members to put in (joined or changed) and ids to take out (left or changed). */
export interface SnapshotDelta {
  readonly members: readonly SnapshotMember[];
  readonly removed: readonly number[];
}

/** Sorts a read by resource id and fingerprints each member. */
export async function fingerprintRead(members: readonly SnapshotMember[]): Promise<FingerprintedRead> {
  const sorted = [...members].sort((a, b) => a.resourceId - b.resourceId);
  const resourceIds = new Float64Array(sorted.length);
  const fingerprints = new Uint32Array(sorted.length * 2);
  let i = 0;
  await forEachSliced(sorted, (member) => {
    const digest = createHash("sha256").update(fieldsOf(member)).digest();
    resourceIds[i] = member.resourceId;
    fingerprints[2 * i] = digest.readUInt32LE(0);
    fingerprints[2 * i + 1] = digest.readUInt32LE(4);
    i += 1;
  });
  return { members: sorted, resourceIds, fingerprints };
}

/** Every field a part carries for the member, so any change to what the app would read changes the fingerprint. */
function fieldsOf(member: SnapshotMember): string {
  return "entraDeviceId" in member
    ? JSON.stringify(["device", member.resourceId, member.name, member.entraDeviceId])
    : JSON.stringify(["user", member.resourceId, member.name, member.userPrincipalName, member.entraObjectId]);
}

export function baseRecordOf(collectionId: string, snapshotId: string, memberType: SnapshotMemberType, read: FingerprintedRead): SnapshotBaseRecord {
  return { collectionId, snapshotId, memberType, resourceIds: read.resourceIds, fingerprints: read.fingerprints };
}

/** Walks base and read side by side (both ascending): O(base + read). */
export async function deltaFrom(base: SnapshotBaseRecord, read: FingerprintedRead): Promise<SnapshotDelta> {
  const members: SnapshotMember[] = [];
  const removed: number[] = [];
  let b = 0;
  const { resourceIds: baseIds, fingerprints: basePrints } = base;
  let r = 0;
  await forEachSliced(read.members, (member) => {
    while (b < baseIds.length && (baseIds[b] as number) < member.resourceId) removed.push(baseIds[b++] as number);
    if (b < baseIds.length && baseIds[b] === member.resourceId) {
      const same = basePrints[2 * b] === read.fingerprints[2 * r] && basePrints[2 * b + 1] === read.fingerprints[2 * r + 1];
      if (!same) {
        removed.push(member.resourceId);
        members.push(member);
      }
      b += 1;
    } else {
      members.push(member);
    }
    r += 1;
  });
  while (b < baseIds.length) removed.push(baseIds[b++] as number);
  return { members, removed };
}

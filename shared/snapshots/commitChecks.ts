import { ValidationError } from "../errors.js";
import { readShortfall } from "./snapshot.js";
import { SnapshotRefusedError } from "./snapshotErrors.js";
import type { SnapshotCommit, SnapshotConfirm } from "./snapshotFormat.js";
import { sourceTimeProblem } from "./sourceTime.js";
import type { StoredPart } from "./snapshotStore.js";

/**
 * What the app checks before a collector's snapshot may become current: it trusts a collector no more than it
 * trusts the AdminService (docs/collector.md "What the app checks").
 */

/**
 * The parts must be exactly 0…parts−1, of the commit's member type, in ascending non-overlapping ranges. A full
 * snapshot's parts hold its members; a delta's (`baseMembers`: its base's count) take removed ids out of the base
 * and put members in, and must add up to the commit's count the same way.
 */
export function checkParts(commit: SnapshotCommit, parts: readonly StoredPart[], baseMembers: number | null = null): void {
  const present = new Set(parts.map((part) => part.part));
  const missing: number[] = [];
  for (let n = 0; n < commit.parts && missing.length < 20; n++) if (!present.has(n)) missing.push(n);
  const extra = parts.filter((part) => part.part >= commit.parts).map((part) => part.part);
  if (extra.length > 0) {
    throw new SnapshotRefusedError("snapshot-inconsistent", `The commit announces ${commit.parts} parts but part ${extra.join(", ")} was uploaded too.`);
  }
  if (missing.length > 0) {
    throw new SnapshotRefusedError("snapshot-incomplete", `Part ${missing.join(", ")} of ${commit.parts} has not been uploaded; upload it and commit again.`);
  }
  const wrongType = parts.find((part) => part.memberType !== commit.collection.type);
  if (wrongType !== undefined) {
    throw new SnapshotRefusedError(
      "snapshot-inconsistent",
      `Part ${wrongType.part} holds ${wrongType.memberType}s but the collection is a ${commit.collection.type} collection.`,
    );
  }
  const total = parts.reduce((sum, part) => sum + part.members, 0);
  const removed = parts.reduce((sum, part) => sum + part.removed, 0);
  if (baseMembers === null && removed > 0) {
    const part = parts.find((p) => p.removed > 0) as StoredPart;
    throw new SnapshotRefusedError("snapshot-inconsistent", `Part ${part.part} removes members, but the commit names no base snapshot to remove them from.`);
  }
  if (baseMembers === null && total !== commit.members) {
    throw new SnapshotRefusedError("snapshot-inconsistent", `The parts hold ${total} members but the commit announces ${commit.members}.`);
  }
  if (baseMembers !== null && baseMembers - removed + total !== commit.members) {
    throw new SnapshotRefusedError(
      "snapshot-inconsistent",
      `The base holds ${baseMembers} members; removing ${removed} and adding ${total} makes ${baseMembers - removed + total}, but the commit announces ${commit.members}.`,
    );
  }
  for (let i = 1; i < parts.length; i++) {
    const before = parts[i - 1] as StoredPart;
    const part = parts[i] as StoredPart;
    if (part.firstResourceId <= before.lastResourceId) {
      throw new SnapshotRefusedError(
        "snapshot-inconsistent",
        `Parts ${before.part} and ${part.part} overlap: members must be sorted by resource id across parts, each once.`,
      );
    }
  }
}

/** A read short of the collection's own count never becomes current (409), exactly as a short AdminService read fails. */
export function checkAddsUp(commit: SnapshotCommit): void {
  const shortfall = readShortfall(commit.collection, commit.members, commit.rowsRead);
  if (shortfall !== null) {
    throw new SnapshotRefusedError(
      "snapshot-short",
      `Snapshot of ${commit.collectionId} refused: ${shortfall}. A short read would remove members that are still in the collection; the collector reads it again on its next pass.`,
    );
  }
}

/**
 * Times must be real and not ahead of the app's clock (400): a LastMemberChangeTime in the future would win
 * "newest wins" against every honest snapshot after it.
 */
export function checkTimes(body: SnapshotCommit | SnapshotConfirm, now: number): void {
  const times: [string, string | null][] =
    "checkedAt" in body
      ? [
          ["lastMemberChangeTime", body.lastMemberChangeTime],
          ["checkedAt", body.checkedAt],
        ]
      : [
          ["collection.lastMemberChangeTime", body.collection.lastMemberChangeTime],
          ["readStartedAt", body.readStartedAt],
          ["readFinishedAt", body.readFinishedAt],
        ];
  const issues = times.flatMap(([name, value]) => {
    const problem = value === null ? null : sourceTimeProblem(value, now);
    return problem === null ? [] : [`${name}: ${problem}`];
  });
  if (issues.length > 0) throw new ValidationError(issues.join("; "), issues);
}

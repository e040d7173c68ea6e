import { SourceReadError } from "../errors.js";
import {
  CollectionAwaitedError,
  type CollectionInfo,
  type MembershipSource,
  type MembershipSourceProvider,
  type SourceDevice,
  type SourceUser,
} from "../core/ports/membershipSource.js";
import type { CurrentSnapshot, SnapshotMember } from "./snapshot.js";
import { decodePart, PartRejected } from "./snapshotFormat.js";
import type { SnapshotStore } from "./snapshotStore.js";

/** Re-reads of the pointer when a newer snapshot replaced (and pruned) the one being read. */
const READ_ATTEMPTS = 3;

/**
 * SOURCE_MODE=pushed: the collection as the collector last uploaded it. The watermark is the snapshot's
 * (`version` = snapshot id), so an unchanged snapshot keeps the one-read skip; `vouchedAt` feeds the freshness
 * guard. No snapshot yet is a failed read naming the collector, never an empty collection.
 */
export function createPushedSourceProvider(store: SnapshotStore): MembershipSourceProvider {
  return { kind: "pushed", open: () => openView(store) };
}

export function noSnapshotYet(collectionId: string): CollectionAwaitedError {
  return new CollectionAwaitedError(
    collectionId,
    `No snapshot of collection ${collectionId} has arrived yet (SOURCE_MODE=pushed): the on-premises collector (collection-sync collect) uploads it on its next pass. Check that the collector runs and can reach the app (docs/collector.md).`,
  );
}

export function collectionInfoOf(snapshot: CurrentSnapshot): CollectionInfo {
  return {
    id: snapshot.collectionId,
    name: snapshot.collection.name,
    type: snapshot.collection.type,
    memberCount: snapshot.collection.memberCount,
    lastMemberChangeTime: snapshot.collection.lastMemberChangeTime,
    version: snapshot.snapshotId,
    vouchedAt: snapshot.freshAt,
  };
}

function openView(store: SnapshotStore): MembershipSource {
  let requests = 0;

  async function readCurrent(collectionId: string): Promise<CurrentSnapshot | null> {
    requests += 1;
    return (await store.current(collectionId))?.snapshot ?? null;
  }

  /** Every member of the current snapshot, or a SourceReadError: never a part of one. */
  async function readMembers(collectionId: string, type: "device" | "user"): Promise<SnapshotMember[]> {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const snapshot = await readCurrent(collectionId);
      if (snapshot === null) throw noSnapshotYet(collectionId);
      if (snapshot.collection.type !== type) {
        throw new SourceReadError("bad-response", `The snapshot of ${collectionId} holds ${snapshot.collection.type}s, not ${type}s.`);
      }
      const members = await readSnapshot(snapshot);
      if (members !== null) return members;
    }
    throw new SourceReadError("unavailable", `The snapshot of ${collectionId} kept being replaced while it was read; the next run reads the newest.`);
  }

  /** The bytes of each part exactly as the commit checked them; null when one is gone (replaced and pruned). */
  async function committedParts(snapshot: CurrentSnapshot): Promise<(() => Promise<Uint8Array | null>)[] | null> {
    const { pieces } = snapshot;
    if (pieces !== undefined && pieces.length === snapshot.parts) {
      // Fetched by the digest the commit recorded: a later upload of the same part cannot change what is read.
      return pieces.map((count, part) => () => store.readCommittedPart(snapshot.collectionId, snapshot.snapshotId, part, snapshot.digests[part] ?? "", count));
    }
    // Committed before the pieces were recorded: through the part rows, checked against the recorded digests.
    requests += 1;
    const parts = await store.listParts(snapshot.collectionId, snapshot.snapshotId);
    if (parts.length !== snapshot.parts || parts.some((part, index) => part.digest.slice(0, 16) !== snapshot.digests[index])) return null;
    return parts.map((part) => () => store.readPart(snapshot.collectionId, snapshot.snapshotId, part));
  }

  /** Null when a part is gone or changed: the snapshot was replaced under us (the caller reads the new one). */
  async function readSnapshot(snapshot: CurrentSnapshot): Promise<SnapshotMember[] | null> {
    const parts = await committedParts(snapshot);
    if (parts === null) return null;
    const members: SnapshotMember[] = [];
    for (const readPart of parts) {
      requests += 1;
      const data = await readPart();
      if (data === null) return null;
      try {
        // Not `push(...part)`: spreading a large part as call arguments can overflow the stack.
        for (const member of (await decodePart(data)).members) members.push(member);
      } catch (error) {
        if (error instanceof PartRejected)
          throw new SourceReadError("bad-response", `A stored part of snapshot ${snapshot.snapshotId} is unreadable: ${error.message}`);
        throw error;
      }
    }
    if (members.length !== snapshot.members) {
      throw new SourceReadError("truncated", `Snapshot ${snapshot.snapshotId} holds ${members.length} members but its commit announced ${snapshot.members}.`);
    }
    return members;
  }

  return {
    async getCollection(collectionId) {
      const snapshot = await readCurrent(collectionId);
      if (snapshot === null) throw noSnapshotYet(collectionId);
      return collectionInfoOf(snapshot);
    },
    async readDeviceMembers(collectionId) {
      return (await readMembers(collectionId, "device")) as SourceDevice[];
    },
    async readUserMembers(collectionId) {
      return (await readMembers(collectionId, "user")) as SourceUser[];
    },
    requestCount: () => requests,
  };
}

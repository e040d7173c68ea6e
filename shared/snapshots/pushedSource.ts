import { SourceReadError } from "../errors.js";
import {
  CollectionAwaitedError,
  type CollectionInfo,
  type MembershipSource,
  type MembershipSourceProvider,
  type SourceDevice,
  type SourceUser,
} from "../core/ports/membershipSource.js";
import { forEachSliced } from "../eventLoop.js";
import type { CurrentSnapshot, SnapshotBase, SnapshotMember } from "./snapshot.js";
import { decodePart, PartRejected, type SnapshotPart } from "./snapshotFormat.js";
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
      return digestReads(snapshot.collectionId, snapshot.snapshotId, snapshot.digests, pieces);
    }
    // Committed before the pieces were recorded: through the part rows, checked against the recorded digests.
    requests += 1;
    const parts = await store.listParts(snapshot.collectionId, snapshot.snapshotId);
    if (parts.length !== snapshot.parts || parts.some((part, index) => part.digest.slice(0, 16) !== snapshot.digests[index])) return null;
    return parts.map((part) => () => store.readPart(snapshot.collectionId, snapshot.snapshotId, part));
  }

  function digestReads(collectionId: string, snapshotId: string, digests: readonly string[], pieces: readonly number[]) {
    return pieces.map((count, part) => () => store.readCommittedPart(collectionId, snapshotId, part, digests[part] ?? "", count));
  }

  /** Each part decoded in order; null when one is gone (the snapshot was replaced under us). */
  async function* decodedParts(snapshotId: string, reads: readonly (() => Promise<Uint8Array | null>)[]): AsyncGenerator<SnapshotPart | null> {
    for (const readPart of reads) {
      requests += 1;
      const data = await readPart();
      if (data === null) {
        yield null;
        return;
      }
      try {
        yield await decodePart(data);
      } catch (error) {
        if (error instanceof PartRejected) throw new SourceReadError("bad-response", `A stored part of snapshot ${snapshotId} is unreadable: ${error.message}`);
        throw error;
      }
    }
  }

  /** Null when a part is gone or changed: the snapshot was replaced under us (the caller reads the new one). */
  async function readSnapshot(snapshot: CurrentSnapshot): Promise<SnapshotMember[] | null> {
    const parts = await committedParts(snapshot);
    if (parts === null) return null;
    const members = snapshot.base === undefined ? await readFull(snapshot, parts) : await readDelta(snapshot, snapshot.base, parts);
    if (members === null) return null;
    if (members.length !== snapshot.members) {
      throw new SourceReadError("truncated", `Snapshot ${snapshot.snapshotId} holds ${members.length} members but its commit announced ${snapshot.members}.`);
    }
    return members;
  }

  async function readFull(snapshot: CurrentSnapshot, parts: readonly (() => Promise<Uint8Array | null>)[]): Promise<SnapshotMember[] | null> {
    const members: SnapshotMember[] = [];
    for await (const part of decodedParts(snapshot.snapshotId, parts)) {
      if (part === null) return null;
      // Not `push(...part)`: spreading a large part as call arguments can overflow the stack.
      await forEachSliced(part.members as SnapshotMember[], (member) => members.push(member));
    }
    return members;
  }

  /**
   * A delta's members: the base's, less its removed ids, plus its members, in resource-id order. A change that
   * does not fit its base (an id removed that the base lacks, a member added that it already holds) fails the
   * read: it can only come from a collector bug, and guessing could cost the group members.
   */
  async function readDelta(
    snapshot: CurrentSnapshot,
    base: SnapshotBase,
    parts: readonly (() => Promise<Uint8Array | null>)[],
  ): Promise<SnapshotMember[] | null> {
    const added: SnapshotMember[] = [];
    const removed = new Set<number>();
    for await (const part of decodedParts(snapshot.snapshotId, parts)) {
      if (part === null) return null;
      await forEachSliced(part.members as SnapshotMember[], (member) => added.push(member));
      for (const id of part.removed ?? []) removed.add(id);
    }
    const misfit = (what: string) =>
      new SourceReadError(
        "bad-response",
        `Delta snapshot ${snapshot.snapshotId} does not fit its base ${base.snapshotId}: ${what}. Ask for a read in full (POST /api/collections/${snapshot.collectionId}/refresh).`,
      );
    const members: SnapshotMember[] = [];
    let next = 0;
    let taken = 0;
    const baseReads = digestReads(snapshot.collectionId, base.snapshotId, base.digests, base.pieces);
    for await (const part of decodedParts(base.snapshotId, baseReads)) {
      if (part === null) return null;
      await forEachSliced(part.members as SnapshotMember[], (member) => {
        while (next < added.length && (added[next] as SnapshotMember).resourceId < member.resourceId) members.push(added[next++] as SnapshotMember);
        if (removed.has(member.resourceId)) {
          taken += 1;
          return;
        }
        if (next < added.length && (added[next] as SnapshotMember).resourceId === member.resourceId) {
          throw misfit(`it adds resource id ${member.resourceId}, which the base already holds`);
        }
        members.push(member);
      });
    }
    while (next < added.length) members.push(added[next++] as SnapshotMember);
    if (taken !== removed.size) throw misfit(`it removes ${removed.size} resource ids but the base holds only ${taken} of them`);
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

import pMap from "p-map";
import type { MappingStore } from "../mappings/mappingStore.js";
import { snapshotAgeMs, type CurrentSnapshot } from "./snapshot.js";
import type { SnapshotService } from "./snapshotService.js";

const POINTER_READS_IN_FLIGHT = 16;

/** One collection an enabled mapping reads, and what the app holds of it: all a collector needs to know. */
export interface MappedCollection {
  readonly collectionId: string;
  /** Enabled mappings reading it. */
  readonly mappings: number;
  readonly snapshot: SnapshotView | null;
}

/** A current snapshot as the API shows it (no part digests). */
export interface SnapshotView {
  readonly snapshotId: string;
  readonly name: string;
  readonly type: "device" | "user";
  readonly memberCount: number;
  readonly lastMemberChangeTime: string | null;
  readonly members: number;
  readonly readStartedAt: string;
  readonly readFinishedAt: string;
  readonly committedAt: string;
  readonly collector: string;
  readonly ageSeconds: number;
  readonly stale: boolean;
}

export function snapshotView(snapshot: CurrentSnapshot, now: number, maxAgeMs: number): SnapshotView {
  const age = snapshotAgeMs(snapshot, now);
  return {
    snapshotId: snapshot.snapshotId,
    name: snapshot.collection.name,
    type: snapshot.collection.type,
    memberCount: snapshot.collection.memberCount,
    lastMemberChangeTime: snapshot.collection.lastMemberChangeTime,
    members: snapshot.members,
    readStartedAt: snapshot.readStartedAt,
    readFinishedAt: snapshot.readFinishedAt,
    committedAt: snapshot.committedAt,
    collector: snapshot.collector,
    ageSeconds: Math.floor(age / 1000),
    stale: age > maxAgeMs,
  };
}

/** The collections of every enabled mapping, each with its current snapshot (null: awaiting the first one). */
export async function mappedCollections(
  deps: { readonly mappings: MappingStore; readonly snapshots: SnapshotService },
  now: number,
  maxAgeMs: number,
): Promise<MappedCollection[]> {
  const counts = new Map<string, number>();
  for await (const mapping of deps.mappings.listAll({ enabledOnly: true })) {
    counts.set(mapping.collectionId, (counts.get(mapping.collectionId) ?? 0) + 1);
  }
  const collections = [...counts.keys()].sort();
  return pMap(
    collections,
    async (collectionId) => {
      const snapshot = await deps.snapshots.current(collectionId);
      return { collectionId, mappings: counts.get(collectionId) ?? 0, snapshot: snapshot === null ? null : snapshotView(snapshot, now, maxAgeMs) };
    },
    { concurrency: POINTER_READS_IN_FLIGHT },
  );
}

import pMap from "p-map";
import type { MappingStore } from "../core/ports/mappingStore.js";
import { snapshotAgeMs, type CurrentSnapshot } from "./snapshot.js";
import type { SnapshotService } from "./snapshotService.js";

const POINTER_READS_IN_FLIGHT = 16;

/**
 * Why the app wants a collection read in full even when its SMS_Collection watermark did not move:
 * - `first-snapshot`: no snapshot yet (a mapping awaits its first one);
 * - `requested`: an admin asked (POST /api/collections/{id}/refresh) after the current snapshot was read;
 * - `recheck`: the snapshot has members without an Entra id and was read SOURCE_IDENTITY_RECHECK_MINUTES ago or
 *   more; ConfigMgr may know their AADDeviceID by now (the pushed twin of the app's own watermark recheck).
 */
export type RefreshReason = "first-snapshot" | "requested" | "recheck";

/** One collection an enabled mapping reads, and what the app holds of it: all a collector needs to know. */
export interface MappedCollection {
  readonly collectionId: string;
  /** Enabled mappings reading it. */
  readonly mappings: number;
  readonly snapshot: SnapshotView | null;
  /** Read it in full on the next pass, watermark or not. */
  readonly refresh: boolean;
  readonly refreshReason: RefreshReason | null;
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
  /** Members ConfigMgr knew no Entra id for when this snapshot was read. */
  readonly withoutEntraId: number;
  /** When an admin asked for a read in full that has not arrived yet; null otherwise. */
  readonly refreshRequestedAt: string | null;
  /**
   * For a delta snapshot, the full snapshot it changes; null for a full one. A collector may send its next
   * change against this base (or against a full current snapshot) instead of the whole collection.
   */
  readonly baseSnapshotId: string | null;
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
    withoutEntraId: snapshot.withoutEntraId ?? 0,
    refreshRequestedAt:
      snapshot.refreshRequestedAt === undefined || snapshot.refreshRequestedAt === null ? null : new Date(snapshot.refreshRequestedAt).toISOString(),
    baseSnapshotId: snapshot.base?.snapshotId ?? null,
  };
}

export function refreshReason(snapshot: CurrentSnapshot | null, now: number, recheckMs: number): RefreshReason | null {
  if (snapshot === null) return "first-snapshot";
  if ((snapshot.refreshRequestedAt ?? null) !== null) return "requested";
  if ((snapshot.withoutEntraId ?? 0) > 0 && now - Date.parse(snapshot.readStartedAt) >= recheckMs) return "recheck";
  return null;
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
      const reason = refreshReason(snapshot, now, deps.snapshots.recheckMs);
      return {
        collectionId,
        mappings: counts.get(collectionId) ?? 0,
        snapshot: snapshot === null ? null : snapshotView(snapshot, now, maxAgeMs),
        refresh: reason !== null,
        refreshReason: reason,
      };
    },
    { concurrency: POINTER_READS_IN_FLIGHT },
  );
}

import { ConcurrencyError, AlreadyExistsError, ensureError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { MappingStore } from "../core/ports/mappingStore.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import { newSyncJob, type SyncJob } from "../core/syncJob.js";
import type { Clock } from "../core/ports/clock.js";
import { isNewer, sameWatermark, type CurrentSnapshot, type PartSummary } from "./snapshot.js";
import { SnapshotRefusedError } from "./snapshotErrors.js";
import { decodePart, PartRejected, summariseMembers, type SnapshotCommit, type SnapshotConfirm } from "./snapshotFormat.js";
import type { SnapshotStore, StoredPart } from "./snapshotStore.js";

export interface SnapshotServiceDeps {
  readonly store: SnapshotStore;
  readonly mappings: MappingStore;
  readonly queue: JobQueue;
  readonly clock: Clock;
  readonly log: Logger;
  /** SOURCE_MODE=pushed: snapshots feed the syncs. Otherwise every upload is refused (`pushed-mode-off`). */
  readonly pushed: boolean;
  /** SNAPSHOT_MAX_AGE_MINUTES in ms: older snapshots show as stale and block removals. */
  readonly maxAgeMs: number;
  /** SOURCE_IDENTITY_RECHECK_MINUTES in ms: a snapshot with members lacking an Entra id is read again this long after its read. */
  readonly recheckMs: number;
}

export type CommitOutcome =
  /** The snapshot is current now (or already was: a retried commit). */
  | { readonly status: "current"; readonly snapshot: CurrentSnapshot; readonly queued: number }
  /** A newer (or equally new) snapshot of the collection is current; this one was dropped. */
  | { readonly status: "superseded"; readonly snapshot: CurrentSnapshot; readonly queued: 0 };

export interface SnapshotService {
  readonly pushed: boolean;
  readonly maxAgeMs: number;
  readonly recheckMs: number;
  /** Validates one gzip part and stores it; throws PartRejected (nothing stored) or SnapshotRefusedError. */
  acceptPart(collectionId: string, snapshotId: string, part: number, data: Uint8Array): Promise<PartSummary>;
  /** Checks the uploaded parts against the commit and makes the snapshot current if it is the newest. */
  commit(collectionId: string, snapshotId: string, commit: SnapshotCommit, by: string): Promise<CommitOutcome>;
  /** A collector saw the collection unchanged: the current snapshot counts as fresh from `checkedAt`. */
  confirm(collectionId: string, snapshotId: string, confirm: SnapshotConfirm): Promise<CurrentSnapshot>;
  current(collectionId: string): Promise<CurrentSnapshot | null>;
  /** An admin wants the collection read in full on the collector's next pass; null when it has no snapshot yet (read anyway). */
  requestRefresh(collectionId: string): Promise<CurrentSnapshot | null>;
  listCurrent(): AsyncIterable<CurrentSnapshot>;
}

/** Pointer replacements lost to another committer before giving up (each retry re-reads and re-compares). */
const COMMIT_ATTEMPTS = 8;
/** Parts of a snapshot nobody committed (a collector killed mid-upload) are deleted once this old. */
export const ABANDONED_UPLOAD_MS = 15 * 60_000;

export function createSnapshotService(deps: SnapshotServiceDeps): SnapshotService {
  const { store, clock, log } = deps;

  function requirePushed(): void {
    if (!deps.pushed) {
      throw new SnapshotRefusedError("pushed-mode-off", "This app reads ConfigMgr itself (SOURCE_MODE=adminservice); set SOURCE_MODE=pushed to take collector snapshots.");
    }
  }

  async function refuseCommitted(collectionId: string, snapshotId: string): Promise<void> {
    const current = await store.current(collectionId);
    if (current?.snapshot.snapshotId === snapshotId) {
      throw new SnapshotRefusedError("snapshot-committed", `Snapshot ${snapshotId} of ${collectionId} is already committed; its parts cannot change. Upload a new snapshot.`);
    }
  }

  /** The parts must be exactly 0…parts−1, of the commit's member type, in ascending non-overlapping ranges. */
  function checkParts(commit: SnapshotCommit, parts: readonly StoredPart[]): void {
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
      throw new SnapshotRefusedError("snapshot-inconsistent", `Part ${wrongType.part} holds ${wrongType.memberType}s but the collection is a ${commit.collection.type} collection.`);
    }
    const total = parts.reduce((sum, part) => sum + part.members, 0);
    if (total !== commit.members) {
      throw new SnapshotRefusedError("snapshot-inconsistent", `The parts hold ${total} members but the commit announces ${commit.members}.`);
    }
    for (let i = 1; i < parts.length; i++) {
      const before = parts[i - 1] as StoredPart;
      const part = parts[i] as StoredPart;
      if (part.firstResourceId <= before.lastResourceId) {
        throw new SnapshotRefusedError("snapshot-inconsistent", `Parts ${before.part} and ${part.part} overlap: members must be sorted by resource id across parts, each once.`);
      }
    }
  }

  async function queueSyncs(snapshot: CurrentSnapshot): Promise<number> {
    const enqueuedAt = new Date(clock.now()).toISOString();
    const jobs: SyncJob[] = [];
    for await (const mapping of deps.mappings.listAll({ collectionId: snapshot.collectionId, enabledOnly: true })) {
      // Derived from the snapshot: a retried commit sends the same ids and duplicate detection drops them.
      jobs.push(newSyncJob(mapping, { trigger: "snapshot", snapshotId: snapshot.snapshotId }, enqueuedAt));
    }
    if (jobs.length > 0) await deps.queue.send(jobs);
    return jobs.length;
  }

  /** Deletes the snapshot that was just replaced and uploads nobody committed; a failure only leaves rows behind. */
  async function prune(collectionId: string, keep: string, replaced: string | null): Promise<void> {
    try {
      const stored = await store.listStoredSnapshots(collectionId);
      const now = clock.now();
      for (const [snapshotId, writtenAt] of stored) {
        if (snapshotId === keep) continue;
        if (snapshotId === replaced || now - writtenAt > ABANDONED_UPLOAD_MS) await store.deleteSnapshot(collectionId, snapshotId);
      }
    } catch (error) {
      log.warn("old snapshot rows could not be deleted; the next commit tries again", { collectionId, error: ensureError(error).message });
    }
  }

  /** A confirmation or a tie moves `freshAt` forward (never back), with the pointer's ETag. */
  function refresh(collectionId: string, snapshotId: string, freshAt: number, matches: (snapshot: CurrentSnapshot) => boolean): Promise<CurrentSnapshot | null> {
    return updatePointer(collectionId, (snapshot) => {
      if (snapshot.snapshotId !== snapshotId || !matches(snapshot)) return null;
      return snapshot.freshAt >= freshAt ? snapshot : { ...snapshot, freshAt };
    });
  }

  /**
   * Replaces the current pointer with `change(current)` under its ETag, re-reading after a lost race; `change`
   * answers null to leave it (and the call answers null), or the snapshot itself when nothing needs writing.
   */
  async function updatePointer(collectionId: string, change: (snapshot: CurrentSnapshot) => CurrentSnapshot | null): Promise<CurrentSnapshot | null> {
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      const pointer = await store.current(collectionId);
      const next = pointer === null ? null : change(pointer.snapshot);
      if (pointer === null || next === null) return null;
      if (next === pointer.snapshot) return next;
      try {
        await store.setCurrent(next, pointer.etag);
        return next;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
    throw new ConcurrencyError(`The current snapshot of ${collectionId} kept changing; try again.`);
  }

  /** A collector's clock may run ahead: its times never count as later than the app's now. */
  const vouchedAt = (iso: string) => Math.min(Date.parse(iso), clock.now());

  return {
    pushed: deps.pushed,
    maxAgeMs: deps.maxAgeMs,
    recheckMs: deps.recheckMs,

    async acceptPart(collectionId, snapshotId, partNumber, data) {
      requirePushed();
      const part = await decodePart(data);
      const mismatch = [
        part.collectionId !== collectionId ? `collectionId ${part.collectionId} is not the collection in the URL (${collectionId})` : null,
        part.snapshotId !== snapshotId ? `snapshotId ${part.snapshotId} is not the snapshot in the URL (${snapshotId})` : null,
        part.part !== partNumber ? `part ${part.part} is not the part number in the URL (${partNumber})` : null,
      ].filter((issue): issue is string => issue !== null);
      if (mismatch.length > 0) {
        throw new PartRejected(false, `The part does not belong here: ${mismatch.join("; ")}.`, mismatch.map((message) => ({ path: "", message })));
      }
      await refuseCommitted(collectionId, snapshotId);
      const summary = summariseMembers(part);
      await store.putPart(collectionId, snapshotId, summary, data);
      return summary;
    },

    async commit(collectionId, snapshotId, commit, by) {
      requirePushed();
      if (commit.collectionId !== collectionId) {
        throw new SnapshotRefusedError("snapshot-inconsistent", `The commit names collection ${commit.collectionId} but the URL names ${collectionId}.`);
      }
      const existing = await store.current(collectionId);
      if (existing?.snapshot.snapshotId === snapshotId) {
        // A retried commit (the first answer was lost): same answer, and the same job ids again.
        const queued = existing.snapshot.queuedSyncs ? await queueSyncs(existing.snapshot) : 0;
        return { status: "current", snapshot: existing.snapshot, queued };
      }
      const parts = await store.listParts(collectionId, snapshotId);
      checkParts(commit, parts);
      const now = clock.now();
      const candidate: CurrentSnapshot = {
        collectionId,
        snapshotId,
        collection: commit.collection,
        members: commit.members,
        parts: commit.parts,
        digests: parts.map((part) => part.digest.slice(0, 16)),
        readStartedAt: commit.readStartedAt,
        readFinishedAt: commit.readFinishedAt,
        freshAt: vouchedAt(commit.readStartedAt),
        committedAt: new Date(now).toISOString(),
        collector: commit.collector,
        committedBy: by,
        queuedSyncs: false,
        withoutEntraId: parts.reduce((sum, part) => sum + part.withoutEntraId, 0),
        refreshRequestedAt: null,
      };
      for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
        const pointer = attempt === 0 ? existing : await store.current(collectionId);
        if (pointer !== null && !isNewer(candidate, pointer.snapshot)) {
          // Older or a tie: the current snapshot stays. Its watermark being the same is fresh evidence for it.
          const kept = sameWatermark(candidate.collection, pointer.snapshot.collection)
            ? await refresh(collectionId, pointer.snapshot.snapshotId, candidate.freshAt, () => true)
            : null;
          await store.deleteSnapshot(collectionId, snapshotId);
          log.info("snapshot superseded", { collectionId, snapshotId, current: pointer.snapshot.snapshotId, collector: commit.collector });
          return { status: "superseded", snapshot: kept ?? pointer.snapshot, queued: 0 };
        }
        const changed = pointer === null || changesSyncs(candidate, pointer.snapshot);
        const next = { ...candidate, queuedSyncs: changed };
        try {
          await store.setCurrent(next, pointer?.etag ?? null);
        } catch (error) {
          if (error instanceof ConcurrencyError || error instanceof AlreadyExistsError) continue;
          throw error;
        }
        const queued = changed ? await queueSyncs(next) : 0;
        log.info("snapshot committed", { collectionId, snapshotId, members: next.members, parts: next.parts, collector: next.collector, by, queued });
        await prune(collectionId, snapshotId, pointer?.snapshot.snapshotId ?? null);
        return { status: "current", snapshot: next, queued };
      }
      throw new ConcurrencyError(`Other commits of ${collectionId} kept winning; commit again.`);
    },

    async confirm(collectionId, snapshotId, confirm) {
      requirePushed();
      const fresh = await refresh(collectionId, snapshotId, vouchedAt(confirm.checkedAt), (snapshot) => sameWatermark(confirm, snapshot.collection));
      if (fresh === null) {
        throw new SnapshotRefusedError("snapshot-outdated", `Snapshot ${snapshotId} is not the current snapshot of ${collectionId} with that watermark; read the collection and upload a new snapshot.`);
      }
      return fresh;
    },

    async current(collectionId) {
      return (await store.current(collectionId))?.snapshot ?? null;
    },

    async requestRefresh(collectionId) {
      requirePushed();
      const at = clock.now();
      return updatePointer(collectionId, (snapshot) => ((snapshot.refreshRequestedAt ?? 0) > Date.parse(snapshot.readStartedAt) ? snapshot : { ...snapshot, refreshRequestedAt: at }));
    },

    listCurrent: () => store.listCurrent(),
  };
}

/**
 * A new snapshot that syncs must see at once (queued rather than left to the timer): the collection changed in
 * ConfigMgr, an admin asked for the read, or members gained (or lost) an Entra id since the last one.
 */
function changesSyncs(candidate: CurrentSnapshot, current: CurrentSnapshot): boolean {
  return (
    !sameWatermark(candidate.collection, current.collection) ||
    (current.refreshRequestedAt ?? null) !== null ||
    (candidate.withoutEntraId ?? 0) !== (current.withoutEntraId ?? 0)
  );
}

import { ConcurrencyError, AlreadyExistsError, ensureError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { MappingStore } from "../core/ports/mappingStore.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import { newSyncJob, type SyncJob } from "../core/syncJob.js";
import type { Clock } from "../core/ports/clock.js";
import { checkAddsUp, checkParts, checkTimes } from "./commitChecks.js";
import { isNewer, sameWatermark, type CurrentSnapshot, type PartSummary, type SnapshotBase } from "./snapshot.js";
import { SnapshotRefusedError } from "./snapshotErrors.js";
import { decodePart, PartRejected, summariseMembers, type SnapshotCommit, type SnapshotConfirm } from "./snapshotFormat.js";
import type { SnapshotStore } from "./snapshotStore.js";

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
  /** SNAPSHOT_STAGING_MAX_MB in bytes: uncommitted upload bytes one collection may hold at once. */
  readonly stagingMaxBytes?: number;
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
  /**
   * An operator drops the current snapshot (and its rows): syncs then wait for the collector's next read, which
   * the app asks for as a first snapshot. Null when the collection had none.
   */
  discard(collectionId: string, by: string): Promise<CurrentSnapshot | null>;
  /** Deletes every collection's uploads that nobody committed within STAGING_MAX_AGE_MS (the staging janitor). */
  pruneStaging(): Promise<{ readonly collections: number; readonly deleted: number }>;
  listCurrent(): AsyncIterable<CurrentSnapshot>;
}

/** Pointer replacements lost to another committer before giving up (each retry re-reads and re-compares). */
const COMMIT_ATTEMPTS = 8;
/** Parts of a snapshot nobody committed (a collector killed mid-upload) are deleted once this old. */
export const ABANDONED_UPLOAD_MS = 60 * 60_000;
/** A commit leaves this much time before its parts would count as abandoned. */
const COMMIT_MARGIN_MS = 10 * 60_000;
/** SNAPSHOT_STAGING_MAX_MB's default: the largest supported hierarchy's biggest collection is about 35 MB of parts. */
export const DEFAULT_STAGING_MAX_BYTES = 256 * 1024 * 1024;

export function createSnapshotService(deps: SnapshotServiceDeps): SnapshotService {
  const { store, clock, log } = deps;

  function requirePushed(): void {
    if (!deps.pushed) {
      throw new SnapshotRefusedError(
        "pushed-mode-off",
        "This app reads ConfigMgr itself (SOURCE_MODE=adminservice); set SOURCE_MODE=pushed to take collector snapshots.",
      );
    }
  }

  async function refuseCommitted(collectionId: string, snapshotId: string): Promise<void> {
    const current = await store.current(collectionId);
    if (current !== null && inUse(current.snapshot).has(snapshotId)) {
      throw new SnapshotRefusedError(
        "snapshot-committed",
        `Snapshot ${snapshotId} of ${collectionId} is already committed; its parts cannot change. Upload a new snapshot.`,
      );
    }
  }

  /** Nothing is staged for a collection no mapping reads: a collector (or anyone with the role) cannot fill storage with it. */
  async function requireMapped(collectionId: string): Promise<void> {
    for await (const _mapping of deps.mappings.listAll({ collectionId })) return;
    throw new SnapshotRefusedError(
      "collection-not-mapped",
      `No mapping reads collection ${collectionId}: the app takes snapshots only of mapped collections (GET /api/collections/mapped lists them).`,
    );
  }

  /** Uncommitted bytes of the collection after this part would be stored (an upload of the same part replaces its earlier row). */
  async function requireStagingRoom(collectionId: string, snapshotId: string, part: number, bytes: number): Promise<void> {
    const limit = deps.stagingMaxBytes ?? DEFAULT_STAGING_MAX_BYTES;
    const pointer = await store.current(collectionId);
    const committed = pointer === null ? new Set<string>() : inUse(pointer.snapshot);
    let staged = 0;
    for (const snapshot of (await store.listStoredSnapshots(collectionId)).keys()) {
      if (committed.has(snapshot)) continue;
      for (const stored of await store.listParts(collectionId, snapshot)) if (!(snapshot === snapshotId && stored.part === part)) staged += stored.bytes;
    }
    if (staged + bytes > limit) {
      throw new SnapshotRefusedError(
        "staging-full",
        `Collection ${collectionId} already holds ${staged} bytes of uncommitted uploads; this part (${bytes} bytes) would pass the limit of ${limit} (SNAPSHOT_STAGING_MAX_MB). Uploads nobody commits are deleted after ${ABANDONED_UPLOAD_MS / 60_000} minutes.`,
      );
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

  /** Deletes the snapshots that were just replaced and uploads nobody committed; a failure only leaves rows behind. */
  async function prune(collectionId: string, keep: ReadonlySet<string>, replaced: ReadonlySet<string>): Promise<void> {
    try {
      await pruneCollection(collectionId, await store.listStoredSnapshots(collectionId), keep, replaced);
    } catch (error) {
      log.warn("old snapshot rows could not be deleted; the next commit tries again", { collectionId, error: ensureError(error).message });
    }
  }

  /**
   * Deletes the collection's snapshots not in `keep` (a snapshot and the base it reads) that are `replaced` or
   * abandoned; answers how many.
   */
  async function pruneCollection(
    collectionId: string,
    stored: ReadonlyMap<string, number>,
    keep: ReadonlySet<string>,
    replaced: ReadonlySet<string>,
  ): Promise<number> {
    const now = clock.now();
    let deleted = 0;
    for (const [snapshotId, writtenAt] of stored) {
      if (keep.has(snapshotId)) continue;
      if (replaced.has(snapshotId) || now - writtenAt > ABANDONED_UPLOAD_MS) {
        // Read again right before deleting: a snapshot committed (or made a base) since `keep` was read stays.
        const current = await store.current(collectionId);
        if (current !== null && inUse(current.snapshot).has(snapshotId)) continue;
        await store.deleteSnapshot(collectionId, snapshotId);
        deleted += 1;
      }
    }
    return deleted;
  }

  /** A confirmation or a tie moves `freshAt` forward (never back), with the pointer's ETag. */
  function refresh(
    collectionId: string,
    snapshotId: string,
    freshAt: number,
    matches: (snapshot: CurrentSnapshot) => boolean,
  ): Promise<CurrentSnapshot | null> {
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
        throw new PartRejected(
          false,
          `The part does not belong here: ${mismatch.join("; ")}.`,
          mismatch.map((message) => ({ path: "", message })),
        );
      }
      await refuseCommitted(collectionId, snapshotId);
      await requireMapped(collectionId);
      await requireStagingRoom(collectionId, snapshotId, partNumber, data.byteLength);
      const summary = summariseMembers(part);
      const stored = await store.putPart(collectionId, snapshotId, summary, data);
      // Raced its own snapshot's commit and lost: the commit kept the bytes it checked (readers fetch those by
      // digest), so this upload changed nothing a sync reads, and the collector must not think it counted.
      const after = await store.current(collectionId);
      if (after?.snapshot.snapshotId === snapshotId && after.snapshot.digests[partNumber] !== stored.digest.slice(0, 16)) {
        throw new SnapshotRefusedError(
          "snapshot-committed",
          `Snapshot ${snapshotId} of ${collectionId} was committed while part ${partNumber} was uploaded; the committed snapshot keeps the part it was committed with.`,
        );
      }
      return summary;
    },

    async commit(collectionId, snapshotId, commit, by) {
      requirePushed();
      if (commit.collectionId !== collectionId) {
        throw new SnapshotRefusedError("snapshot-inconsistent", `The commit names collection ${commit.collectionId} but the URL names ${collectionId}.`);
      }
      checkTimes(commit, clock.now());
      const existing = await store.current(collectionId);
      if (existing?.snapshot.snapshotId === snapshotId) {
        // A retried commit (the first answer was lost): same answer, and the same job ids again.
        const queued = existing.snapshot.queuedSyncs ? await queueSyncs(existing.snapshot) : 0;
        return { status: "current", snapshot: existing.snapshot, queued };
      }
      await requireMapped(collectionId);
      const base = commit.base === undefined ? null : baseOf(collectionId, existing?.snapshot ?? null, commit.base);
      const parts = await store.listParts(collectionId, snapshotId);
      checkParts(commit, parts, base?.members ?? null);
      checkAddsUp(commit);
      // Parts about to be deleted as abandoned cannot be committed: the janitor could remove them under the pointer.
      const oldest = Math.min(...parts.map((part) => part.writtenAt));
      if (parts.length > 0 && clock.now() - oldest > ABANDONED_UPLOAD_MS - COMMIT_MARGIN_MS) {
        throw new SnapshotRefusedError(
          "snapshot-incomplete",
          `Parts of snapshot ${snapshotId} were uploaded more than ${(ABANDONED_UPLOAD_MS - COMMIT_MARGIN_MS) / 60_000} minutes ago and are about to be deleted as abandoned; upload them again and commit.`,
        );
      }
      const now = clock.now();
      const candidate: CurrentSnapshot = {
        collectionId,
        snapshotId,
        collection: commit.collection,
        members: commit.members,
        parts: commit.parts,
        digests: parts.map((part) => part.digest.slice(0, 16)),
        pieces: parts.map((part) => part.pieces),
        ...(base === null ? {} : { base }),
        ...(commit.rowsRead === undefined ? {} : { rowsRead: commit.rowsRead }),
        readStartedAt: commit.readStartedAt,
        readFinishedAt: commit.readFinishedAt,
        freshAt: vouchedAt(commit.readStartedAt),
        committedAt: new Date(now).toISOString(),
        collector: commit.collector,
        committedBy: by,
        queuedSyncs: false,
        withoutEntraId: commit.withoutEntraId ?? parts.reduce((sum, part) => sum + part.withoutEntraId, 0),
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
        // Another commit moved the pointer since: the base must still be one a reader may be sent to.
        if (base !== null && attempt > 0) baseOf(collectionId, pointer?.snapshot ?? null, base.snapshotId);
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
        await prune(collectionId, inUse(next), new Set(pointer === null ? [] : [pointer.snapshot.snapshotId]));
        return { status: "current", snapshot: next, queued };
      }
      throw new ConcurrencyError(`Other commits of ${collectionId} kept winning; commit again.`);
    },

    async confirm(collectionId, snapshotId, confirm) {
      requirePushed();
      checkTimes(confirm, clock.now());
      const fresh = await refresh(collectionId, snapshotId, vouchedAt(confirm.checkedAt), (snapshot) => sameWatermark(confirm, snapshot.collection));
      if (fresh === null) {
        throw new SnapshotRefusedError(
          "snapshot-outdated",
          `Snapshot ${snapshotId} is not the current snapshot of ${collectionId} with that watermark; read the collection and upload a new snapshot.`,
        );
      }
      return fresh;
    },

    async current(collectionId) {
      return (await store.current(collectionId))?.snapshot ?? null;
    },

    async requestRefresh(collectionId) {
      requirePushed();
      const at = clock.now();
      return updatePointer(collectionId, (snapshot) =>
        (snapshot.refreshRequestedAt ?? 0) > Date.parse(snapshot.readStartedAt) ? snapshot : { ...snapshot, refreshRequestedAt: at },
      );
    },

    async discard(collectionId, by) {
      requirePushed();
      for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
        const pointer = await store.current(collectionId);
        if (pointer === null) return null;
        try {
          await store.deleteCurrent(collectionId, pointer.etag);
        } catch (error) {
          if (error instanceof ConcurrencyError) continue;
          throw error;
        }
        log.warn("snapshot discarded", { collectionId, snapshotId: pointer.snapshot.snapshotId, collector: pointer.snapshot.collector, by });
        await prune(collectionId, new Set(), inUse(pointer.snapshot));
        return pointer.snapshot;
      }
      throw new ConcurrencyError(`The current snapshot of ${collectionId} kept changing; try again.`);
    },

    async pruneStaging() {
      const stored = await store.listAllStoredSnapshots();
      let deleted = 0;
      for (const [collectionId, snapshots] of stored) {
        const current = await store.current(collectionId);
        deleted += await pruneCollection(collectionId, snapshots, current === null ? new Set() : inUse(current.snapshot), new Set());
      }
      if (deleted > 0) log.info("abandoned snapshot uploads deleted", { collections: stored.size, deleted });
      return { collections: stored.size, deleted };
    },

    listCurrent: () => store.listCurrent(),
  };
}

/** The snapshots whose rows a reader of `snapshot` fetches: itself and, for a delta, its base. */
function inUse(snapshot: CurrentSnapshot): Set<string> {
  return new Set(snapshot.base === undefined ? [snapshot.snapshotId] : [snapshot.snapshotId, snapshot.base.snapshotId]);
}

/**
 * The base a delta commit names, as readers will fetch it: the current snapshot when it is a full one, or the
 * base the current delta reads. A delta never builds on a delta, and never on a snapshot whose rows may be pruned.
 */
function baseOf(collectionId: string, current: CurrentSnapshot | null, baseId: string): SnapshotBase {
  if (current?.snapshotId === baseId && current.base === undefined && current.pieces !== undefined && current.pieces.length === current.parts) {
    return { snapshotId: current.snapshotId, members: current.members, parts: current.parts, digests: current.digests, pieces: current.pieces };
  }
  if (current?.base?.snapshotId === baseId) return current.base;
  throw new SnapshotRefusedError(
    "snapshot-base-gone",
    `Snapshot ${baseId} is neither the current snapshot of ${collectionId} nor the base of the current one${current === null ? " (there is none)" : ` (${current.snapshotId})`}; upload the collection in full.`,
  );
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

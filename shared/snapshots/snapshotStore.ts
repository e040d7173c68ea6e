import type { CurrentSnapshot, PartSummary } from "./snapshot.js";

export interface StoredPart extends PartSummary {
  /** sha-256 of the stored bytes (hex): names the rows that hold them, so two uploads of one part never mix. */
  readonly digest: string;
  /** Rows holding the bytes. */
  readonly pieces: number;
  /** Size of the uploaded part (0 on rows written before it was kept). */
  readonly bytes: number;
  /** When the part row was written (epoch ms, the store's clock). */
  readonly writtenAt: number;
}

/** The `current` pointer of a collection, with the concurrency token a replacement must quote. */
export interface CurrentPointer {
  readonly snapshot: CurrentSnapshot;
  readonly etag: string;
}

/**
 * Where snapshots are kept (Table Storage `snapshots`, docs/storage.md). Parts are written before any pointer
 * names them and never changed after a commit; the pointer is replaced with its ETag, so a reader always sees
 * one whole snapshot, the old one or the new one.
 */
export interface SnapshotStore {
  /**
   * Stores a validated part (idempotent: the same part uploaded again replaces the earlier upload's part row).
   * The bytes go to rows named by their digest and are never overwritten by other bytes, so a snapshot committed
   * with an earlier upload of the part keeps reading that upload.
   */
  putPart(collectionId: string, snapshotId: string, summary: PartSummary, data: Uint8Array): Promise<StoredPart>;
  /** Summaries of the parts uploaded for a snapshot, in part order. */
  listParts(collectionId: string, snapshotId: string): Promise<StoredPart[]>;
  /** The stored bytes of one part, or null when it is gone (pruned after a newer snapshot became current). */
  readPart(collectionId: string, snapshotId: string, part: StoredPart): Promise<Uint8Array | null>;
  /**
   * The bytes a commit checked: the rows of part `part` named by the digest the commit recorded (its first 16 hex
   * digits), whatever the part row says now; null when they are gone or do not hash to that digest.
   */
  readCommittedPart(collectionId: string, snapshotId: string, part: number, digest: string, pieces: number): Promise<Uint8Array | null>;
  current(collectionId: string): Promise<CurrentPointer | null>;
  /**
   * Makes `snapshot` current: an insert when `etag` is null, else a replace that fails with ConcurrencyError
   * when the pointer changed since it was read (and AlreadyExistsError when an insert lost the race).
   */
  setCurrent(snapshot: CurrentSnapshot, etag: string | null): Promise<void>;
  /** Removes the pointer if it still has `etag` (ConcurrencyError when it changed since it was read). */
  deleteCurrent(collectionId: string, etag: string): Promise<void>;
  /** Every collection's current snapshot (health, collection search). */
  listCurrent(): AsyncIterable<CurrentSnapshot>;
  /** Deletes the rows of `snapshotId`. */
  deleteSnapshot(collectionId: string, snapshotId: string): Promise<void>;
  /** Snapshot ids with rows in the collection's partition and when their newest row was written (epoch ms). */
  listStoredSnapshots(collectionId: string): Promise<Map<string, number>>;
  /** The same for every collection at once (the staging janitor): collection id → snapshot id → newest write. */
  listAllStoredSnapshots(): Promise<Map<string, Map<string, number>>>;
}

import { CollectionSyncError } from "../errors.js";

/**
 * Why a snapshot upload was refused, beyond a malformed body:
 * - `snapshot-incomplete`: parts the commit announces were not uploaded (upload them, then commit again);
 * - `snapshot-inconsistent`: the parts do not add up to what the commit announces (start a new snapshot);
 * - `snapshot-committed`: the snapshot is already current, its parts can no longer change;
 * - `snapshot-outdated`: a confirmation names a snapshot or watermark that is no longer current;
 * - `snapshot-base-gone`: a delta names a base that is neither the current snapshot nor the current one's base
 *   (upload the collection in full);
 * - `snapshot-short`: the read does not add up to the collection's own MemberCount (the pushed twin of
 *   `source-truncated`): it never becomes current;
 * - `collection-not-mapped`: no mapping reads the collection, so nothing is staged for it;
 * - `staging-full`: the collection's uncommitted uploads would pass SNAPSHOT_STAGING_MAX_MB (HTTP 413);
 * - `pushed-mode-off`: the app reads ConfigMgr itself (SOURCE_MODE=adminservice) and takes no snapshots.
 */
export type SnapshotRefusal =
  | "snapshot-incomplete"
  | "snapshot-inconsistent"
  | "snapshot-committed"
  | "snapshot-outdated"
  | "snapshot-base-gone"
  | "snapshot-short"
  | "collection-not-mapped"
  | "staging-full"
  | "pushed-mode-off";

export class SnapshotRefusedError extends CollectionSyncError {
  constructor(
    readonly reason: SnapshotRefusal,
    message: string,
  ) {
    super(message);
  }
}

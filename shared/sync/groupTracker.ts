/**
 * The group side of one run (README "How it works" steps 2 and 5, docs/performance.md): instead of reading every member of the group on
 * every run, the engine keeps a snapshot of the members (of the mapping's type) beside the mapping's state and
 * the group delta link it is current at. A run follows the link: no change means the group is as the snapshot
 * says (an unchanged mapping costs one Graph request); changes are applied to the snapshot; an expired link
 * (7 days, docs/service-facts.md), a snapshot that cannot be read, or a snapshot older than `refreshAfterMs` means one full read.
 *
 * After the writes our own changes are applied to the snapshot as done, and the snapshot stays at the link read
 * before the writes: the next tick's delta shows our writes again, but a change the snapshot already holds is no
 * change, while anyone else's change in the meantime is. Only after many writes (more than one delta page of our
 * own changes) is the link followed at once, so that a quiet next tick still costs one request; whatever that
 * delta shows beyond our writes is someone else's change made while we ran: it is applied and reported as
 * `foreignChange`, so the next tick does not skip.
 */
import { PermanentSyncError, ensureError } from "../errors.js";
import { forEachSliced } from "../eventLoop.js";
import type { Directory, MemberChange, MemberKind } from "../core/ports/directory.js";
import type { Logger } from "../logger.js";
import type { GroupSnapshot, MemberSnapshotStore } from "../core/ports/mappingState.js";

/** A snapshot is refreshed by a full read of the group once a day, whatever the delta says (drift insurance). */
export const GROUP_REFRESH_MS = 24 * 60 * 60 * 1000;
/** More of our own changes than fit one delta page: follow the delta right after the writes (see above). */
export const FOLLOW_DELTA_ABOVE = 1_000;

export interface GroupTrackerOptions {
  readonly directory: Directory;
  /** Where snapshots are kept; undefined = none (every run that is not skipped reads the group in full). */
  readonly store: MemberSnapshotStore | undefined;
  readonly mappingKey: string;
  readonly groupId: string;
  readonly kind: MemberKind;
  /** What the last run left (from the mapping's state). */
  readonly snapshot: GroupSnapshot | null;
  readonly log: Logger;
  readonly now: () => number;
  /** A snapshot whose last full read is older than this is refreshed by a full read (drift insurance). */
  readonly refreshAfterMs: number;
  /** A dry run: read the group in full, follow and store nothing. */
  readonly dryRun?: boolean;
}

export interface GroupLook {
  /** The group holds exactly the snapshot's members (the delta showed no change that matters). */
  readonly unchanged: boolean;
  /** Nothing vouches for the group (no usable snapshot), or Graph reported it deleted or changed: check it. */
  readonly checkGroup: boolean;
}

interface Members {
  readonly ids: Set<string>;
  /** Delta link the ids are current at; null = delta unavailable. */
  readonly token: string | null;
  readonly fullReadAt: number;
}

export class GroupTracker {
  private current: Members | null = null;
  private after: Members | null = null;
  /** The delta link reached while looking, when the snapshot was not loaded (the run skips). */
  private advancedToken: string | null = null;
  private foreign = false;
  /** The members differ from the stored snapshot (or were read in full): a new generation must be written. */
  private dirty = false;

  constructor(private readonly options: GroupTrackerOptions) {}

  /** Someone else changed the group while this run wrote: the next tick must not skip. */
  get foreignChange(): boolean {
    return this.foreign;
  }

  /** The delta link the run ended at (after `settle`, else after `look`); null when delta is unavailable. */
  get token(): string | null {
    return this.after?.token ?? this.current?.token ?? this.advancedToken;
  }

  /**
   * Follows the snapshot's delta link. Loads the members (snapshot + changes) when the run will go on: always
   * when `sourceChanged`, else only when the group changed.
   */
  async look(sourceChanged: boolean): Promise<GroupLook> {
    const { snapshot, store, directory, groupId, kind } = this.options;
    if (snapshot === null || store === undefined || this.options.dryRun) return { unchanged: false, checkGroup: true };
    const changes = await this.quietly(() => directory.readMembershipChanges(groupId, kind, snapshot.token), null);
    if (changes === null || changes.token === null) return { unchanged: false, checkGroup: true };
    if (changes.changes.length === 0 && !changes.groupChanged && !sourceChanged) {
      this.advancedToken = changes.token;
      return { unchanged: true, checkGroup: false };
    }
    const ids = await this.quietly(() => store.read(this.options.mappingKey, snapshot.generation, snapshot.count), null);
    if (ids === null) return { unchanged: false, checkGroup: true };
    const changed = await applyChanges(ids, changes.changes);
    const fresh = this.options.now() - snapshot.fullReadAt < this.options.refreshAfterMs;
    // An old snapshot still answers "unchanged?", but a run that goes on reads the group in full once.
    if (fresh) this.current = { ids, token: changes.token, fullReadAt: snapshot.fullReadAt };
    else this.advancedToken = changes.token;
    this.dirty = changed;
    return { unchanged: !changed && !changes.groupChanged, checkGroup: changes.groupChanged };
  }

  /** The group's members of the mapping's type now: from the snapshot when `look` had them, else read in full. */
  async members(): Promise<Set<string>> {
    if (this.current !== null) return this.current.ids;
    const { directory, groupId, kind } = this.options;
    // The link is taken before the listing: a change made while we list is replayed next time (harmlessly).
    const token = this.options.dryRun ? null : await this.quietly(async () => (await directory.membershipToken(groupId, null)).token, null);
    const ids = await directory.listMemberIds(groupId, kind);
    this.current = { ids, token, fullReadAt: this.options.now() };
    this.dirty = true;
    return ids;
  }

  /**
   * Brings the members past this run's writes (`added`/`removed`: ids now in / out of the group). `mayRead`:
   * false when the run is out of time, so no Graph request is made.
   */
  async settle(added: readonly string[], removed: readonly string[], mayRead: boolean): Promise<void> {
    const before = this.current;
    if (before === null || this.options.dryRun) return;
    // Planning is done with these ids: they are brought forward in place (no copy of a 100,000-member set).
    const ids = before.ids;
    const size = ids.size;
    await forEachSliced(added, (id) => ids.add(id));
    const grew = ids.size !== size;
    let shrank = false;
    await forEachSliced(removed, (id) => (shrank = ids.delete(id) || shrank));
    if (grew || shrank) this.dirty = true;
    const { directory, groupId, kind } = this.options;
    const token = before.token;
    if (token === null || !mayRead || added.length + removed.length <= FOLLOW_DELTA_ABOVE) {
      this.after = { ids, token, fullReadAt: before.fullReadAt };
      return;
    }
    const changes = await this.quietly(() => directory.readMembershipChanges(groupId, kind, token), null);
    if (changes === null || changes.token === null) {
      this.after = { ids, token: null, fullReadAt: before.fullReadAt };
      return;
    }
    this.foreign = (await applyChanges(ids, changes.changes)) || changes.groupChanged;
    if (this.foreign) this.dirty = true;
    this.after = { ids, token: changes.token, fullReadAt: before.fullReadAt };
  }

  /**
   * The snapshot reference the mapping's state should hold after this run: undefined = leave it as it is,
   * null = none. A new generation is written when the members changed or were read in full.
   */
  async snapshotAfterRun(): Promise<GroupSnapshot | null | undefined> {
    const { store, snapshot, mappingKey } = this.options;
    if (this.options.dryRun || store === undefined) return undefined;
    const final = this.after ?? this.current;
    if (final === null) {
      // Skipped, or stopped before reading the group: the snapshot stands, at the link reached.
      return snapshot !== null && this.advancedToken !== null ? { ...snapshot, token: this.advancedToken } : undefined;
    }
    if (final.token === null) return null;
    if (snapshot !== null && !this.dirty) return { ...snapshot, token: final.token };
    const generation = await this.quietly(() => store.write(mappingKey, final.ids), null);
    if (generation === null) return null;
    return { generation, count: final.ids.size, token: final.token, fullReadAt: final.fullReadAt };
  }

  /** Deletes generations the state no longer points at (after the state was saved). */
  async prune(kept: GroupSnapshot | null | undefined): Promise<void> {
    const { store, snapshot, mappingKey } = this.options;
    if (store === undefined || kept === undefined || (kept?.generation ?? null) === (snapshot?.generation ?? null)) return;
    await this.quietly(() => store.prune(mappingKey, kept?.generation ?? null), undefined);
  }

  /**
   * Snapshot and delta are an optimisation: when they fail the run falls back to a full read (or leaves no
   * snapshot), never fails. Only what a person must fix (no permission) stops the run.
   */
  private async quietly<T, F>(work: () => Promise<T>, fallback: F): Promise<T | F> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof PermanentSyncError) throw error;
      this.options.log.warn("Group snapshot or delta unavailable; the group is read in full instead", {
        mappingKey: this.options.mappingKey,
        error: ensureError(error).message,
      });
      return fallback;
    }
  }
}

/** Applies changes in order (a million after a first sync's writes, so sliced); true when any of them changed the set. */
async function applyChanges(ids: Set<string>, changes: readonly MemberChange[]): Promise<boolean> {
  let changed = false;
  await forEachSliced(changes, (change) => {
    if (change.removed) changed = ids.delete(change.id) || changed;
    else if (!ids.has(change.id)) {
      ids.add(change.id);
      changed = true;
    }
  });
  return changed;
}

import { randomUUID } from "node:crypto";
import type { CollectionInfo, MembershipSourceProvider } from "../core/ports/membershipSource.js";
import { ensureError } from "../errors.js";
import type { Logger } from "../logger.js";
import { readShortfall, sameWatermark, type SnapshotMember } from "../snapshots/snapshot.js";
import { canonicalSourceTime, sourceTimeProblem } from "../snapshots/sourceTime.js";
import { SNAPSHOT_LIMITS } from "../snapshots/snapshot.js";
import { encodeDeltaParts, encodeParts, lacksEntraId, type SnapshotCommit } from "../snapshots/snapshotFormat.js";
import type { Clock } from "../core/ports/clock.js";
import { AppRequestError, type AppSnapshotView, type CollectorAppClient } from "./appClient.js";
import { sendCatalog, type CatalogOutcome, type CatalogSource } from "./catalogUpload.js";
import type { SnapshotBaseStore } from "./snapshotBaseFiles.js";
import { baseRecordOf, deltaFrom, fingerprintRead, type SnapshotBaseRecord } from "./snapshotDelta.js";

/** A read whose upload did not finish: resumed on the next pass while ConfigMgr's watermark still matches it. */
export interface PendingUpload {
  readonly snapshotId: string;
  readonly parts: readonly Buffer[];
  readonly commit: SnapshotCommit;
  /** Parts the app has acknowledged. */
  uploaded: number;
  /** A full upload: what to remember as the base of later deltas once the app made it current. */
  readonly nextBase?: SnapshotBaseRecord;
  /** A delta upload: what it changes, and the same read in full for when the app no longer holds its base. */
  readonly delta?: { readonly members: number; readonly removed: number; readonly inFull: () => Promise<PendingUpload> };
}

export interface CollectorDeps {
  readonly app: CollectorAppClient;
  readonly sources: MembershipSourceProvider;
  /**
   * The same adapter for a read the app asked for (`requested`, `recheck`): members remembered without an Entra id
   * are looked up again, however recently. Default: `sources`.
   */
  readonly recheckSources?: MembershipSourceProvider;
  readonly clock: Clock;
  readonly log: Logger;
  /** Shown in the app's health as the sender (the host name). */
  readonly collectorName: string;
  /** Reads not yet uploaded, kept between passes of one process. */
  readonly pending: Map<string, PendingUpload>;
  /** Members per uploaded part (default 25,000: ~1 MiB of gzip for devices, under the 4 MiB limit). */
  readonly membersPerPart?: number;
  /** The site's device and user collections, uploaded as the app's collection catalog when they changed. */
  readonly catalog?: CatalogSource;
  /**
   * The full snapshot each collection's changes are sent against (docs/collector.md "Delta uploads"). Without it
   * every changed collection is uploaded in full.
   */
  readonly bases?: SnapshotBaseStore;
}

/**
 * A change touching more than this share of the base is sent in full: it would save little upload, and the app
 * reads the base and the change on every sync until the next full upload.
 */
const DELTA_MAX_SHARE = 0.25;

export type CollectionResult =
  /** Read in full and committed: the app's current snapshot now. */
  | "uploaded"
  /** ConfigMgr's watermark matches the app's snapshot: confirmed, nothing read. */
  | "unchanged"
  /** Read and uploaded, but another collector's snapshot was newer (or the same): nothing lost. */
  | "superseded"
  | "failed";

export interface CollectionOutcome {
  readonly collectionId: string;
  readonly result: CollectionResult;
  readonly members: number | null;
  readonly uploadBytes: number;
  readonly adminServiceRequests: number;
  readonly message: string;
}

export interface PassSummary {
  readonly collections: readonly CollectionOutcome[];
  /** The collection catalog: uploaded, unchanged, failed (why) or not offered (an older app, adminservice mode). */
  readonly catalog?: CatalogOutcome;
  /** AdminService requests of the whole pass: the watermark read of every mapped collection and each one's own. */
  readonly adminServiceRequests: number;
  /** The app could not even tell which collections are mapped. */
  readonly error: string | null;
  readonly ok: boolean;
}

export function newPendingUploads(): Map<string, PendingUpload> {
  return new Map();
}

/**
 * One collector pass: asks the app which collections are mapped, checks each one's SMS_Collection watermark, reads
 * only the changed ones in full (all or nothing, through the AdminService adapter) and uploads them as parts plus a
 * commit. Collections are handled one after another, to keep the load on the SMS Provider low.
 */
export async function collectOnce(deps: CollectorDeps): Promise<PassSummary> {
  let mapped;
  try {
    mapped = await deps.app.mapped();
  } catch (error) {
    const message = `Could not ask the app which collections are mapped: ${ensureError(error).message}`;
    deps.log.error("collector pass failed", { error: message });
    return { collections: [], adminServiceRequests: 0, error: message, ok: false };
  }
  if (mapped.sourceMode !== "pushed") {
    deps.log.warn("the app reads ConfigMgr itself (SOURCE_MODE=adminservice): it takes no snapshots", {});
  }
  const catalog =
    mapped.sourceMode === "pushed" && mapped.catalog !== undefined && deps.catalog !== undefined
      ? await sendCatalog(deps, deps.catalog, mapped.catalog)
      : undefined;
  const watermarks = await readWatermarks(
    deps,
    mapped.items.map((item) => item.collectionId),
  );
  const collections: CollectionOutcome[] = [];
  for (const item of mapped.items) {
    const known = watermarks === null ? undefined : (watermarks.info.get(item.collectionId.toUpperCase()) ?? null);
    collections.push(await collectOne(deps, item.collectionId, item.snapshot, item.refresh ? (item.refreshReason ?? "asked") : null, known));
  }
  return {
    collections,
    ...(catalog === undefined ? {} : { catalog }),
    adminServiceRequests: (watermarks?.requests ?? 0) + collections.reduce((sum, c) => sum + c.adminServiceRequests, 0),
    error: null,
    ok: mapped.sourceMode === "pushed" && collections.every((c) => c.result !== "failed"),
  };
}

/**
 * Every mapped collection's watermark in one request (per 15 collections), so that a pass where nothing changed
 * costs the SMS Provider one request, whatever the number of mapped collections. null when the source cannot read
 * them together, or the read failed: each collection is then read on its own.
 */
async function readWatermarks(deps: CollectorDeps, collectionIds: readonly string[]): Promise<{ info: Map<string, CollectionInfo>; requests: number } | null> {
  const source = deps.sources.open();
  if (source.getCollections === undefined || collectionIds.length === 0) return null;
  try {
    return { info: await source.getCollections(collectionIds), requests: source.requestCount() };
  } catch (error) {
    deps.log.warn("could not read the mapped collections' watermarks together; reading them one by one", { error: ensureError(error).message });
    return null;
  }
}

/**
 * `refresh`: why the app wants a read in full regardless of the watermark (null: it does not). `known`: the
 * collection's watermark from this pass's read of them all (null: not found there; undefined: not read).
 */
async function collectOne(
  deps: CollectorDeps,
  collectionId: string,
  current: AppSnapshotView | null,
  refresh: string | null,
  known?: CollectionInfo | null,
): Promise<CollectionOutcome> {
  const started = deps.clock.now();
  const lookAgain = refresh !== null && refresh !== "first-snapshot";
  const source = (lookAgain ? (deps.recheckSources ?? deps.sources) : deps.sources).open();
  const outcome = (result: CollectionResult, message: string, extra: { members?: number; uploadBytes?: number } = {}): CollectionOutcome => {
    const done: CollectionOutcome = {
      collectionId,
      result,
      members: extra.members ?? null,
      uploadBytes: extra.uploadBytes ?? 0,
      adminServiceRequests: source.requestCount(),
      message,
    };
    const facts = { ...done, durationMs: deps.clock.now() - started };
    if (result === "failed") deps.log.warn("collection collected", facts);
    else deps.log.info("collection collected", facts);
    return done;
  };
  try {
    const checkedAt = new Date(deps.clock.now()).toISOString();
    // Not among the watermarks read together: asked on its own (the together read is a saving, not a verdict).
    let info = known ?? (await source.getCollection(collectionId));
    if (info === null) return outcome("failed", `Collection ${collectionId} does not exist in ConfigMgr (or this account may not read it).`);
    if (info.type === "other") return outcome("failed", `Collection ${collectionId} is neither a device nor a user collection.`);
    if (current !== null && refresh === null && sameWatermark(info, current) && !deps.pending.has(collectionId)) {
      const confirmed = await confirm(deps, collectionId, current.snapshotId, info, checkedAt);
      if (confirmed) return outcome("unchanged", `Unchanged since snapshot ${current.snapshotId}.`, { members: current.members });
    }
    // A read in full checks its members against the count its own view read just before (all or nothing).
    if (known !== undefined && known !== null) info = (await source.getCollection(collectionId)) ?? info;
    let upload = await pendingOrRead(deps, source, info, current, refresh);
    let bytes = 0;
    let answer;
    try {
      bytes += sentBytes(upload);
      answer = await uploadSnapshot(deps, collectionId, upload);
    } catch (error) {
      // The app no longer holds the base (another collector's snapshot, a discard): the same read, in full.
      if (!(error instanceof AppRequestError && error.problem === "snapshot-base-gone" && upload.delta !== undefined)) throw error;
      deps.log.info("the app no longer holds the delta's base: uploading in full", { collectionId, base: upload.commit.base });
      await deps.bases?.forget(collectionId);
      upload = await upload.delta.inFull();
      deps.pending.set(collectionId, upload);
      bytes += sentBytes(upload);
      answer = await uploadSnapshot(deps, collectionId, upload);
    }
    if (answer.status === "current" && upload.nextBase !== undefined) await rememberBase(deps, upload.nextBase);
    const result = answer.status === "current" ? "uploaded" : "superseded";
    const why = refresh === null || refresh === "first-snapshot" ? "" : ` (read in full: ${refresh})`;
    const how =
      upload.delta === undefined ? "" : ` (a change against base ${upload.commit.base}: ${upload.delta.members} members in, ${upload.delta.removed} out)`;
    return outcome(
      result,
      result === "uploaded" ? `Snapshot ${upload.snapshotId} is current${how}${why}.` : `A newer snapshot (${answer.current.snapshotId}) was already current.`,
      {
        members: upload.commit.members,
        uploadBytes: bytes,
      },
    );
  } catch (error) {
    return outcome("failed", ensureError(error).message);
  }
}

/** true when the app took the confirmation; false when its snapshot moved on meanwhile (read in full then). */
async function confirm(deps: CollectorDeps, collectionId: string, snapshotId: string, info: CollectionInfo, checkedAt: string): Promise<boolean> {
  try {
    await deps.app.confirm(collectionId, snapshotId, {
      memberCount: info.memberCount,
      lastMemberChangeTime: canonicalSourceTime(info.lastMemberChangeTime),
      checkedAt,
      collector: deps.collectorName,
    });
    return true;
  } catch (error) {
    if (error instanceof AppRequestError && error.problem === "snapshot-outdated") return false;
    throw error;
  }
}

/** The read still waiting to go up when ConfigMgr has not moved since; else a new read in full. */
async function pendingOrRead(
  deps: CollectorDeps,
  source: ReturnType<MembershipSourceProvider["open"]>,
  info: CollectionInfo,
  current: AppSnapshotView | null,
  refresh: string | null,
): Promise<PendingUpload> {
  const pending = deps.pending.get(info.id);
  if (pending !== undefined && sameWatermark(info, pending.commit.collection)) return pending;
  deps.pending.delete(info.id);
  const type = info.type === "device" ? "device" : "user";
  const changedAt = info.lastMemberChangeTime === null ? null : sourceTimeProblem(info.lastMemberChangeTime, deps.clock.now());
  if (changedAt !== null) {
    // The app refuses it too (400): reading and uploading the members would only fill its staging area.
    throw new Error(`Not uploaded: ConfigMgr reports LastMemberChangeTime ${changedAt} for ${info.id}; the next pass reads it again.`);
  }
  const readStartedAt = new Date(deps.clock.now()).toISOString();
  // All or nothing: the adapter throws on a failed or truncated read, so a partial read is never uploaded.
  const members: SnapshotMember[] = info.type === "device" ? await source.readDeviceMembers(info.id) : await source.readUserMembers(info.id);
  const readFinishedAt = new Date(deps.clock.now()).toISOString();
  const rowsRead = source.rowsRead?.(info.id);
  // The app's own rule (a short read never becomes current), checked before anything is sent.
  const shortfall = readShortfall({ type, memberCount: info.memberCount }, members.length, rowsRead);
  if (shortfall !== null) throw new Error(`Not uploaded: ${shortfall} of ${info.id}; a short read would cost the group members. The next pass reads it again.`);
  const commit: Omit<SnapshotCommit, "parts"> = {
    collectionId: info.id,
    collection: { name: info.name, type, memberCount: info.memberCount, lastMemberChangeTime: canonicalSourceTime(info.lastMemberChangeTime) },
    members: members.length,
    ...(rowsRead === undefined ? {} : { rowsRead }),
    readStartedAt,
    readFinishedAt,
    collector: deps.collectorName,
  };
  const read = deps.bases === undefined ? null : await fingerprintRead(members);
  const inFull = async (): Promise<PendingUpload> => {
    const snapshotId = randomUUID();
    const parts = await encodeParts({ collectionId: info.id, snapshotId, memberType: type }, read?.members ?? members, deps.membersPerPart);
    return {
      snapshotId,
      parts,
      uploaded: 0,
      commit: { ...commit, parts: parts.length },
      ...(read === null ? {} : { nextBase: baseRecordOf(info.id, snapshotId, type, read) }),
    };
  };
  const base = read === null ? null : await deltaBase(deps, info.id, type, current, refresh);
  const delta = base === null || read === null ? null : await deltaFrom(base, read);
  const entries = delta === null ? 0 : delta.members.length + delta.removed.length;
  const perPart = deps.membersPerPart ?? 25_000;
  const worthIt = delta !== null && base !== null && entries <= DELTA_MAX_SHARE * base.resourceIds.length && entries <= SNAPSHOT_LIMITS.deltaParts * perPart;
  let upload: PendingUpload;
  if (worthIt && base !== null && delta !== null) {
    const snapshotId = randomUUID();
    const parts = await encodeDeltaParts({ collectionId: info.id, snapshotId, memberType: type }, delta.members, delta.removed, perPart);
    upload = {
      snapshotId,
      parts,
      uploaded: 0,
      commit: { ...commit, parts: parts.length, base: base.snapshotId, withoutEntraId: members.filter(lacksEntraId).length },
      delta: { members: delta.members.length, removed: delta.removed.length, inFull },
    };
  } else {
    upload = await inFull();
  }
  deps.pending.set(info.id, upload);
  return upload;
}

/**
 * The base the app still reads that this collector remembers: the app's current snapshot when it is a full one,
 * or the base of its current delta. Null (upload in full) for an app that takes no deltas, a first snapshot, an
 * admin's request for a read in full, or a base this collector does not hold.
 */
async function deltaBase(
  deps: CollectorDeps,
  collectionId: string,
  type: "device" | "user",
  current: AppSnapshotView | null,
  refresh: string | null,
): Promise<SnapshotBaseRecord | null> {
  if (deps.bases === undefined || current === null || current.baseSnapshotId === undefined) return null;
  if (refresh === "first-snapshot" || refresh === "requested") return null;
  const base = await deps.bases.load(collectionId);
  if (base === null || base.memberType !== type) return null;
  const held = current.baseSnapshotId === null ? current.snapshotId : current.baseSnapshotId;
  return base.snapshotId === held ? base : null;
}

/** Saved only once the app made the snapshot current: a base the app never held would be refused every time. */
async function rememberBase(deps: CollectorDeps, record: SnapshotBaseRecord): Promise<void> {
  try {
    await deps.bases?.save(record);
  } catch (error) {
    deps.log.warn("could not keep the snapshot as the base of later changes: the next change is uploaded in full", {
      collectionId: record.collectionId,
      error: ensureError(error).message,
    });
  }
}

function sentBytes(upload: PendingUpload): number {
  return upload.parts.slice(upload.uploaded).reduce((sum, part) => sum + part.length, 0);
}

/** Parts not yet acknowledged, then the commit; the pending read is dropped once the app has answered the commit. */
async function uploadSnapshot(deps: CollectorDeps, collectionId: string, upload: PendingUpload) {
  for (let part = upload.uploaded; part < upload.parts.length; part++) {
    await deps.app.putPart(collectionId, upload.snapshotId, part, upload.parts[part] as Buffer);
    upload.uploaded = part + 1;
  }
  try {
    const answer = await deps.app.commit(collectionId, upload.snapshotId, upload.commit);
    deps.pending.delete(collectionId);
    return answer;
  } catch (error) {
    // The app lost parts (pruned as abandoned while we were away): send them all again next time.
    if (error instanceof AppRequestError && error.problem === "snapshot-incomplete") upload.uploaded = 0;
    if (error instanceof AppRequestError && !error.retryable && error.problem !== "snapshot-incomplete") deps.pending.delete(collectionId);
    throw error;
  }
}

/** One line for `collect --once`, and one more per collection that failed, saying why. */
export function summaryLine(summary: PassSummary, traffic: { requests: number; uploadBytes: number }): string {
  if (summary.error !== null) return `collect: failed: ${summary.error}`;
  const failures = summary.collections.filter((c) => c.result === "failed").map((c) => `\n  ${c.collectionId}: ${c.message}`);
  const count = (result: CollectionResult) => summary.collections.filter((c) => c.result === result).length;
  const adminService = summary.adminServiceRequests;
  const members = summary.collections.filter((c) => c.result === "uploaded").reduce((sum, c) => sum + (c.members ?? 0), 0);
  return (
    `collect: ${summary.collections.length} mapped collection(s): ${count("uploaded")} uploaded (${members} members), ` +
    `${count("unchanged")} unchanged, ${count("superseded")} superseded, ${count("failed")} failed; ` +
    `${adminService} AdminService requests, ${traffic.requests} app requests, ${traffic.uploadBytes} bytes uploaded` +
    (summary.catalog === undefined
      ? ""
      : `; catalog ${summary.catalog.result}${summary.catalog.result === "failed" ? `: ${summary.catalog.message}` : ` (${summary.catalog.collections} collections)`}`) +
    failures.join("")
  );
}

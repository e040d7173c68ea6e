import { randomUUID } from "node:crypto";
import type { CollectionInfo, MembershipSource } from "../configmgr/membershipSource.js";
import { ConcurrencyError, CredentialUnavailableError, PermanentSyncError, SourceReadError, ensureError } from "../errors.js";
import type { Directory, MemberWriteResult } from "../graph/directory.js";
import { judgeGroup } from "../mappings/groupEligibility.js";
import { mappingKeyOf } from "../mappings/ids.js";
import type { Mapping } from "../mappings/mapping.js";
import { GroupTracker, GROUP_REFRESH_MS } from "./groupTracker.js";
import type { GroupSnapshot, MappingState, Watermark } from "./mappingState.js";
import { planChanges } from "./planChanges.js";
import { resolveDevices, resolveUsers, type Resolution } from "./resolveMembers.js";
import { RunRecord, summarise } from "./runRecord.js";
import { checkRemovalGuards } from "./safetyGuards.js";
import { stateAfterRun, type RunEffects } from "./stateAfterRun.js";
import type { SyncDeps, SyncRequest } from "./syncDeps.js";
import type { RunStatus, SyncRun } from "./syncRun.js";

/**
 * One sync of one mapping (DESIGN §4): lease → watermark check → read source → resolve → read group → diff →
 * guards → write → record. Permanent problems and failed source reads are recorded as a failed run and
 * returned; only unexpected faults propagate (after being recorded), so a queue host can redeliver.
 */
export async function syncMapping(deps: SyncDeps, request: SyncRequest): Promise<SyncRun> {
  const startedAt = deps.clock.now();
  const ref = { collectionId: request.collectionId, groupId: request.groupId };
  const mapping = await deps.mappings.get(ref);
  const record = new RunRecord(randomUUID(), mapping ?? { ...ref, tenantId: null, mode: "additive" }, request.trigger, startedAt);
  if (!mapping) {
    record.addError({ code: "mapping-not-found", message: "The mapping no longer exists." });
    return record.finish("failed", `No mapping from collection ${ref.collectionId} to group ${ref.groupId}.`, deps.clock.now());
  }
  if (request.dryRun) return planOnly(deps, mapping, record);

  const key = mappingKeyOf(mapping);
  const workerId = request.workerId ?? randomUUID();
  const leased = await deps.state.acquireLease(key, workerId, deps.policy.leaseMs, startedAt);
  if (!leased) return record.finish("skipped-leased", "Another worker is syncing this mapping.", deps.clock.now());

  const source = deps.sources.open();
  const directory = deps.directories.open(mapping.tenantId);
  const context: RunContext = { deps, mapping, record, source, directory, state: leased, group: trackGroup(deps, mapping, directory, leased, false) };
  let outcome: Outcome;
  try {
    outcome = await runSync(context);
  } catch (error) {
    outcome = failure(record, error);
    if (outcome.unexpected) {
      await finishRun(context, outcome);
      throw error;
    }
  }
  return finishRun(context, outcome);
}

interface RunContext {
  readonly deps: SyncDeps;
  readonly mapping: Mapping;
  readonly record: RunRecord;
  readonly source: MembershipSource;
  readonly directory: Directory;
  readonly state: MappingState;
  /** The group side: snapshot + delta instead of reading every member (groupTracker.ts). */
  readonly group: GroupTracker;
}

interface Outcome {
  readonly status: RunStatus;
  readonly message: string;
  readonly effects: RunEffects;
  readonly unexpected?: boolean;
  /** The group snapshot the state should hold next (undefined: keep the stored one). */
  readonly groupSnapshot?: GroupSnapshot | null;
}

function trackGroup(deps: SyncDeps, mapping: Mapping, directory: Directory, state: MappingState, dryRun: boolean): GroupTracker {
  return new GroupTracker({
    directory,
    store: deps.state.snapshots,
    mappingKey: mappingKeyOf(mapping),
    groupId: mapping.groupId,
    kind: mapping.memberType,
    // A snapshot taken under other settings (member type, tenant) describes another set: read in full.
    snapshot: state.watermark?.mappingFingerprint === mappingFingerprint(mapping) || state.watermark === null ? (state.groupSnapshot ?? null) : null,
    log: deps.log,
    now: () => deps.clock.now(),
    refreshAfterMs: GROUP_REFRESH_MS,
    dryRun,
  });
}

function keepState(state: MappingState): RunEffects {
  return { watermark: state.watermark, blocked: state.blocked, approvalConsumed: false };
}

async function runSync(ctx: RunContext): Promise<Outcome> {
  const { mapping, source, directory, state, record, deps } = ctx;
  const collection = await source.getCollection(mapping.collectionId);
  if (!collection) throw new PermanentSyncError("collection-not-found", `Collection ${mapping.collectionId} does not exist in ConfigMgr.`);

  const unchanged = await checkUnchanged(ctx, collection);
  if (unchanged.skip) {
    const effects = { ...keepState(state), watermark: unchanged.watermark ?? state.watermark };
    const groupSnapshot = await ctx.group.snapshotAfterRun();
    return { status: "skipped-unchanged", message: "Neither the collection nor the group changed since the last successful run.", effects, groupSnapshot };
  }
  const { plan, guard, approved, ledger } = await planRun(ctx, collection);
  const blocked = guard !== null && !approved;
  if (approved) deps.log.info("Applying an approved blocked change", { mappingKey: mappingKeyOf(mapping), guard: guard?.guard, approvedBy: state.approval?.by });

  const deadline = record.startedAt + deps.policy.timeBudgetMs;
  // Recorded as ours before they are written: a worker killed after Graph took the adds but before it could
  // record them would leave members its replay sees as "already present" and never owns (managed mode could
  // then never remove them). Those that turn out not to be ours are taken off again below.
  await deps.ledger.add(mappingKeyOf(mapping), plan.toAdd);
  const added = await directory.addMembers(mapping.groupId, plan.toAdd, { deadline });
  applyWrite(record, added, "added");
  // Already there although absent from our read (put in by hand meanwhile) and not ours before, or refused.
  const notOurs = [...added.alreadyDone.filter((id) => !ledger.has(id)), ...added.failed.map((failure) => failure.id)];
  if (notOurs.length > 0) await deps.ledger.remove(mappingKeyOf(mapping), notOurs);
  let removed: MemberWriteResult | null = null;
  if (!blocked && plan.toRemove.length > 0) {
    removed = await directory.removeMembers(mapping.groupId, plan.toRemove, { deadline });
    applyWrite(record, removed, "removed");
    await deps.ledger.remove(mappingKeyOf(mapping), [...removed.done, ...removed.alreadyDone]);
  }
  if (plan.staleLedger.length > 0) await deps.ledger.remove(mappingKeyOf(mapping), plan.staleLedger);

  const deferred = added.deferred.length + (removed?.deferred.length ?? 0);
  // Our writes go into the group snapshot; no Graph request when the run is out of time (Graph throttled it).
  await ctx.group.settle([...added.done, ...added.alreadyDone], removed === null ? [] : [...removed.done, ...removed.alreadyDone], deferred === 0);
  const groupSnapshot = await ctx.group.snapshotAfterRun();
  if (deferred > 0) {
    record.retryAfterMs = Math.max(added.retryAfterMs ?? 0, removed?.retryAfterMs ?? 0);
    return {
      status: "rescheduled",
      message: `The run's time budget ran out (Graph throttling or slow answers); ${deferred} changes wait for the next attempt in ${Math.ceil(record.retryAfterMs / 1000)} s.`,
      effects: { watermark: null, blocked: state.blocked, approvalConsumed: false },
      groupSnapshot,
    };
  }
  if (blocked) {
    record.blockedBy = guard.guard;
    const blockedChange = { guard: guard.guard, message: guard.message, fingerprint: guard.fingerprint, removeCount: plan.toRemove.length, at: new Date(deps.clock.now()).toISOString() };
    return {
      status: "blocked",
      message: `${guard.message} Approve with POST /api/mappings/${mapping.collectionId}/${mapping.groupId}/approve or \`collection-sync mappings approve --collection ${mapping.collectionId} --group ${mapping.groupId}\`.`,
      effects: { watermark: null, blocked: blockedChange, approvalConsumed: state.approval !== null },
      groupSnapshot,
    };
  }
  const status = record.counts.failed > 0 ? "partial" : "succeeded";
  // Someone else changed the group while we wrote: the next tick looks again instead of skipping.
  const watermark = status === "succeeded" && !ctx.group.foreignChange ? takeWatermark(ctx, collection) : null;
  return { status, message: summarise(record.counts), effects: { watermark, blocked: null, approvalConsumed: state.approval !== null }, groupSnapshot };
}

/** Plan without lease or writes: exactly what a run would do now, and which guard would block it. */
async function planOnly(deps: SyncDeps, mapping: Mapping, record: RunRecord): Promise<SyncRun> {
  const source = deps.sources.open();
  const directory = deps.directories.open(mapping.tenantId);
  const state = await deps.state.get(mappingKeyOf(mapping));
  const ctx: RunContext = { deps, mapping, record, source, directory, state, group: trackGroup(deps, mapping, directory, state, true) };
  try {
    const collection = await source.getCollection(mapping.collectionId);
    if (!collection) throw new PermanentSyncError("collection-not-found", `Collection ${mapping.collectionId} does not exist in ConfigMgr.`);
    await checkGroup(ctx);
    const { plan, guard, approved, resolution } = await planRun(ctx, collection);
    record.blockedBy = guard && !approved ? guard.guard : null;
    record.preview = { toAdd: plan.toAdd, toRemove: plan.toRemove, skipped: resolution.skipped };
    countRequests(ctx);
    const wouldBlock = record.blockedBy ? ` Removals would be blocked: ${guard?.message}` : "";
    return record.finish("preview", `Would add ${plan.toAdd.length} and remove ${record.blockedBy ? 0 : plan.toRemove.length}.${wouldBlock}`, deps.clock.now());
  } catch (error) {
    const outcome = failure(record, error);
    countRequests(ctx);
    if (outcome.unexpected) throw error;
    return record.finish("failed", outcome.message, deps.clock.now());
  }
}

/** Reads both sides and decides: the changes, and the guard (if any) that stops the removals. */
async function planRun(ctx: RunContext, collection: CollectionInfo) {
  const { mapping, deps, record, state } = ctx;
  const resolution = await readAndResolve(ctx, collection);
  const current = await ctx.group.members();
  // Read in every mode: only managed removes by it, but every mode keeps it true (a mode switch relies on it).
  const ledger = await deps.ledger.list(mappingKeyOf(mapping));
  const plan = planChanges(mapping.mode, resolution.desired, current, ledger);
  record.counts.groupBefore = current.size;
  record.counts.alreadyPresent = plan.alreadyPresent;
  const guard = checkRemovalGuards({
    mode: mapping.mode,
    toRemove: plan.toRemove,
    sourceCount: record.counts.source,
    groupCount: current.size,
    lastSuccessSourceCount: state.lastSuccessSourceCount,
    hasSyncedInThisMode: state.lastSuccessMode === mapping.mode,
    thresholdPercent: mapping.removalThresholdPercent ?? deps.policy.removalThresholdPercent,
    thresholdCount: mapping.removalThresholdCount ?? deps.policy.removalThresholdCount,
  });
  const approved = guard !== null && state.approval?.fingerprint === guard.fingerprint;
  return { resolution, plan, guard, approved, ledger };
}

async function checkGroup(ctx: RunContext): Promise<void> {
  const group = await ctx.directory.getGroup(ctx.mapping.groupId);
  if (!group) throw new PermanentSyncError("group-not-found", `Group ${ctx.mapping.groupId} does not exist in Entra ID (deleted?).`);
  const verdict = judgeGroup(group, ctx.mapping.memberType);
  if (verdict.reason) throw new PermanentSyncError(verdict.reason, verdict.message ?? verdict.reason);
}

async function readAndResolve(ctx: RunContext, collection: CollectionInfo): Promise<Resolution> {
  const { mapping, source, directory, deps, record } = ctx;
  if (collection.type !== mapping.memberType) {
    throw new PermanentSyncError("unsupported-collection-type", `Collection ${collection.id} is a ${collection.type} collection but the mapping syncs ${mapping.memberType}s.`);
  }
  const options = { includeHybridJoined: mapping.includeHybridJoined, cache: deps.resolution, tenantKey: mapping.tenantId ?? "home", now: deps.clock.now() };
  let resolution: Resolution;
  if (mapping.memberType === "device") {
    const members = await source.readDeviceMembers(mapping.collectionId);
    record.counts.source = members.length;
    resolution = await resolveDevices(directory, members, options);
  } else {
    const members = await source.readUserMembers(mapping.collectionId);
    record.counts.source = members.length;
    resolution = await resolveUsers(directory, members, options);
  }
  record.counts.resolved = resolution.desired.size;
  record.counts.skipped = resolution.skippedCounts;
  return resolution;
}

function mappingFingerprint(mapping: Mapping): string {
  return [mapping.mode, mapping.memberType, mapping.includeHybridJoined, mapping.tenantId ?? "home"].join("|");
}

/** O(1) skip (DESIGN §4 step 2): same collection watermark, same mapping settings, group unchanged. */
async function checkUnchanged(ctx: RunContext, collection: CollectionInfo): Promise<{ skip: boolean; watermark?: Watermark }> {
  const { state, mapping } = ctx;
  const mark = state.watermark;
  const sourceSame =
    mark !== null &&
    state.blocked === null &&
    mark.mappingFingerprint === mappingFingerprint(mapping) &&
    mark.collectionMemberCount === collection.memberCount &&
    mark.collectionLastMemberChangeTime === collection.lastMemberChangeTime;
  // The group side: the stored snapshot's delta link, followed (one request when nothing changed). Without a
  // usable snapshot nothing vouches for the group, so the run goes on and the group is checked and read in full.
  const look = await ctx.group.look(!sourceSame);
  // Delta tokens expire after 7 days (FACTS.md): the newest one is kept so a quiet mapping stays O(1).
  if (sourceSame && look.unchanged) return { skip: true, watermark: { ...mark, groupToken: ctx.group.token ?? mark.groupToken } };
  if (look.checkGroup) await checkGroup(ctx);
  return { skip: false };
}

/**
 * The source side of "unchanged" (the group side is the group snapshot and its delta link, brought past our own
 * writes by GroupTracker.settle, so our own changes never look like someone else's next time).
 */
function takeWatermark(ctx: RunContext, collection: CollectionInfo): Watermark {
  return {
    collectionMemberCount: collection.memberCount,
    collectionLastMemberChangeTime: collection.lastMemberChangeTime,
    groupToken: ctx.group.token,
    mappingFingerprint: mappingFingerprint(ctx.mapping),
  };
}

function applyWrite(record: RunRecord, result: MemberWriteResult, field: "added" | "removed"): void {
  record.counts[field] += result.done.length;
  if (field === "added") record.counts.alreadyPresent += result.alreadyDone.length;
  record.counts.failed += result.failed.length;
  for (const failure of result.failed) record.addError({ id: failure.id, code: failure.code, message: failure.message });
}

function failure(record: RunRecord, error: unknown): Outcome & { effects: RunEffects } {
  const noEffects: RunEffects = { watermark: null, blocked: null, approvalConsumed: false };
  if (error instanceof PermanentSyncError) {
    record.addError({ code: error.reason, message: error.message });
    return { status: "failed", message: error.message, effects: noEffects };
  }
  if (error instanceof CredentialUnavailableError) {
    record.addError({ code: "credential-unavailable", message: error.message });
    return { status: "failed", message: `${error.message} The next run tries again.`, effects: noEffects };
  }
  if (error instanceof SourceReadError) {
    record.addError({ code: `source-${error.kind}`, message: error.message });
    return { status: "failed", message: `ConfigMgr read failed (${error.kind}); nothing was written. ${error.message}`, effects: noEffects };
  }
  const err = ensureError(error);
  record.addError({ code: "unexpected", message: err.message });
  return { status: "failed", message: `Unexpected error: ${err.message}`, effects: noEffects, unexpected: true };
}

function countRequests(ctx: RunContext): void {
  const stats = ctx.directory.stats();
  ctx.record.graphRequests = stats.requests;
  ctx.record.throttledWaitMs = stats.throttledWaitMs;
  ctx.record.adminServiceRequests = ctx.source.requestCount();
}

async function finishRun(ctx: RunContext, outcome: Outcome): Promise<SyncRun> {
  const { deps, record, mapping } = ctx;
  countRequests(ctx);
  const run = record.finish(outcome.status, outcome.message, deps.clock.now());
  await deps.runs.record(run);
  // A failed run keeps what the state knew (blocked change, approval, watermark) except the failure count.
  const effects = outcome.status === "failed" ? { ...keepState(ctx.state), watermark: null } : outcome.effects;
  const groupSnapshot = outcome.status === "failed" ? undefined : outcome.groupSnapshot;
  const next = { ...stateAfterRun(ctx.state, run, effects), ...(groupSnapshot === undefined ? {} : { groupSnapshot }) };
  try {
    await deps.state.save(next);
    await ctx.group.prune(groupSnapshot);
  } catch (error) {
    // Our lease expired and another worker took over: its state wins, ours is dropped (never overwrite).
    if (!(error instanceof ConcurrencyError)) throw error;
    deps.log.warn("Mapping state changed under this run; not overwriting it", { mappingKey: mappingKeyOf(mapping), runId: run.runId });
  }
  logRun(deps, run);
  return run;
}

function logRun(deps: SyncDeps, run: SyncRun): void {
  const properties = {
    runId: run.runId,
    mappingKey: run.mappingKey,
    status: run.status,
    trigger: run.trigger,
    durationMs: run.durationMs,
    graphRequests: run.graphRequests,
    adminServiceRequests: run.adminServiceRequests,
    throttledWaitMs: run.throttledWaitMs,
    blockedBy: run.blockedBy,
    ...run.counts,
    skipped: Object.values(run.counts.skipped).reduce((a, b) => a + b, 0),
    skippedByReason: run.counts.skipped,
  };
  const dimensions = { runId: run.runId, mappingKey: run.mappingKey, status: run.status };
  deps.log.metric?.("collectionSync.membersAdded", run.counts.added, dimensions);
  deps.log.metric?.("collectionSync.membersRemoved", run.counts.removed, dimensions);
  deps.log.metric?.("collectionSync.membersSkipped", properties.skipped, dimensions);
  deps.log.metric?.("collectionSync.membersFailed", run.counts.failed, dimensions);
  deps.log.metric?.("collectionSync.graphRequests", run.graphRequests, dimensions);
  deps.log.metric?.("collectionSync.throttledWaitMs", run.throttledWaitMs, dimensions);
  deps.log.metric?.("collectionSync.runDurationMs", run.durationMs, dimensions);
  if (run.status === "failed") deps.log.error(`Sync run failed: ${run.message}`, properties);
  else if (run.status === "blocked" || run.status === "partial") deps.log.warn(`Sync run ${run.status}: ${run.message}`, properties);
  else deps.log.info(`Sync run ${run.status}`, properties);
}

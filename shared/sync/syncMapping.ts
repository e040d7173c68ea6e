import { randomUUID } from "node:crypto";
import type { CollectionInfo } from "../core/ports/membershipSource.js";
import { PermanentSyncError } from "../errors.js";
import type { MemberWriteResult } from "../core/ports/directory.js";
import { mappingKeyOf } from "../core/ids.js";
import { finishRun } from "./finishRun.js";
import type { Watermark } from "../core/ports/mappingState.js";
import { checkGroup, planRun, rememberLookups } from "./planRun.js";
import { nameUnnamedMembers } from "./nameMembers.js";
import { previewMapping } from "./previewMapping.js";
import { failure, keepState, mappingFingerprint, trackGroup, type Outcome, type RunContext } from "./runContext.js";
import { RunRecord, summarise } from "./runRecord.js";
import { DEFAULT_SOURCE_RECHECK_MS, type SyncDeps, type SyncRequest } from "./syncDeps.js";
import type { SyncRun } from "../core/syncRun.js";

/**
 * One sync of one mapping (README "How it works"): lease → watermark check → read source → resolve → read group → diff →
 * guards → write → record. Permanent problems and failed source reads are recorded as a failed run and
 * returned; only unexpected faults propagate (after being recorded), so a queue host can redeliver.
 */
export async function syncMapping(deps: SyncDeps, request: SyncRequest): Promise<SyncRun> {
  const startedAt = deps.clock.now();
  const ref = { collectionId: request.collectionId, groupId: request.groupId };
  const mapping = request.dryRun && request.draft ? request.draft : await deps.mappings.get(ref);
  const record = new RunRecord(randomUUID(), mapping ?? { ...ref, tenantId: null, mode: "additive" }, request.trigger, startedAt, deps.policy.reportMaxEntries);
  if (!mapping) {
    record.addError({ code: "mapping-not-found", message: "The mapping no longer exists." });
    return record.finish("failed", `No mapping from collection ${ref.collectionId} to group ${ref.groupId}.`, deps.clock.now());
  }
  if (request.dryRun) return previewMapping(deps, mapping, record);

  const key = mappingKeyOf(mapping);
  const workerId = request.workerId ?? randomUUID();
  const leased = await deps.state.acquireLease(key, workerId, deps.policy.leaseMs, startedAt);
  if (!leased) return record.finish("skipped-leased", "Another worker is syncing this mapping.", deps.clock.now());

  const source = deps.sources.open();
  // Reads and writes alike end by the run's budget, before the lease (budget + margin) runs out.
  const directory = deps.directories.open(mapping.tenantId, { deadline: startedAt + deps.policy.timeBudgetMs });
  const context: RunContext = { deps, mapping, record, source, directory, state: leased, group: trackGroup(deps, mapping, directory, leased, false) };
  let outcome: Outcome;
  try {
    outcome = await runSync(context);
  } catch (error) {
    outcome = failure(record, error, leased);
    if (outcome.unexpected) {
      await finishRun(context, outcome);
      throw error;
    }
  }
  return finishRun(context, outcome);
}

async function runSync(ctx: RunContext): Promise<Outcome> {
  const { mapping, source, directory, state, record, deps } = ctx;
  const collection = await source.getCollection(mapping.collectionId);
  if (!collection) throw new PermanentSyncError("collection-not-found", `Collection ${mapping.collectionId} does not exist in ConfigMgr.`);

  if (await checkUnchanged(ctx, collection)) {
    const effects = keepState(state);
    const groupSnapshot = await ctx.group.snapshotAfterRun();
    return { status: "skipped-unchanged", message: "Neither the collection nor the group changed since the last successful run.", effects, groupSnapshot };
  }
  const { plan, guard, approved, ledger, resolution } = await planRun(ctx, collection);
  const blocked = guard !== null && !approved;
  if (approved) record.approvedBy = state.approval?.by ?? null;
  if (approved)
    deps.log.info("Applying an approved blocked change", { mappingKey: mappingKeyOf(mapping), guard: guard?.guard, approvedBy: state.approval?.by });

  const deadline = record.startedAt + deps.policy.timeBudgetMs;
  // Recorded as ours before they are written: a worker killed after Graph took the adds but before it could
  // record them would leave members its replay sees as "already present" and never owns (managed mode could
  // then never remove them). Those that turn out not to be ours are taken off again below.
  await deps.ledger.add(mappingKeyOf(mapping), plan.toAdd);
  const added = await directory.addMembers(mapping.groupId, plan.toAdd, { deadline });
  await applyWrite(record, added, "added");
  // Already there although absent from our read (put in by hand meanwhile) and not ours before, or refused.
  const notOurs = [...added.alreadyDone.filter((id) => !ledger.has(id)), ...added.failed.map((failure) => failure.id)];
  if (notOurs.length > 0) await deps.ledger.remove(mappingKeyOf(mapping), notOurs);
  let removed: MemberWriteResult | null = null;
  if (!blocked && plan.toRemove.length > 0) {
    removed = await directory.removeMembers(mapping.groupId, plan.toRemove, { deadline });
    await applyWrite(record, removed, "removed");
    await deps.ledger.remove(mappingKeyOf(mapping), [...removed.done, ...removed.alreadyDone]);
  }
  if (plan.staleLedger.length > 0) await deps.ledger.remove(mappingKeyOf(mapping), plan.staleLedger);
  // After the writes: looking members up must not delay adding them (bench S6: ~2 s for 1,000 new devices).
  await rememberLookups(ctx, resolution);
  if (blocked) {
    record.counts.heldBack = plan.toRemove.length;
    await record.report.written("held-back", plan.toRemove);
  }
  await nameUnnamedMembers(ctx);

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
    const blockedChange = {
      guard: guard.guard,
      message: guard.message,
      fingerprint: guard.fingerprint,
      removeCount: plan.toRemove.length,
      at: new Date(deps.clock.now()).toISOString(),
      runId: record.runId,
    };
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

/** O(1) skip (README "How it works" step 2): same collection watermark, same mapping settings, group unchanged. */
async function checkUnchanged(ctx: RunContext, collection: CollectionInfo): Promise<boolean> {
  const { state, mapping } = ctx;
  const mark = state.watermark;
  const sourceSame =
    mark !== null &&
    state.blocked === null &&
    mark.mappingFingerprint === mappingFingerprint(mapping) &&
    mark.collectionMemberCount === collection.memberCount &&
    mark.collectionLastMemberChangeTime === collection.lastMemberChangeTime &&
    (mark.sourceVersion ?? null) === (collection.version ?? null) &&
    !recheckDue(mark, ctx.deps.clock.now());
  // The group side: the stored snapshot's delta link, followed (one request when nothing changed). Without a
  // usable snapshot nothing vouches for the group, so the run goes on and the group is checked and read in full.
  const look = await ctx.group.look(!sourceSame);
  // A skip keeps the newest delta link in the snapshot (GroupTracker): links expire after 7 days (docs/service-facts.md).
  if (sourceSame && look.unchanged) return true;
  if (look.checkGroup) await checkGroup(ctx);
  return false;
}

/**
 * The source side of "unchanged" (the group side is the group snapshot and its delta link, brought past our own
 * writes by GroupTracker.settle, so our own changes never look like someone else's next time).
 */
function takeWatermark(ctx: RunContext, collection: CollectionInfo): Watermark {
  const { skipped } = ctx.record.counts;
  const notInEntra = skipped["no-entra-id"] + skipped["not-found"];
  const recheckMs = ctx.deps.policy.sourceRecheckMs ?? DEFAULT_SOURCE_RECHECK_MS;
  return {
    collectionMemberCount: collection.memberCount,
    collectionLastMemberChangeTime: collection.lastMemberChangeTime,
    sourceVersion: collection.version ?? null,
    mappingFingerprint: mappingFingerprint(ctx.mapping),
    recheckAt: notInEntra > 0 ? ctx.deps.clock.now() + recheckMs : null,
  };
}

/** Members not in Entra may have joined it since: the skip ends at `recheckAt` (docs/adminservice-queries.md "Source identity cache"). */
function recheckDue(mark: Watermark, now: number): boolean {
  return mark.recheckAt !== undefined && mark.recheckAt !== null && now >= mark.recheckAt;
}

async function applyWrite(record: RunRecord, result: MemberWriteResult, field: "added" | "removed"): Promise<void> {
  record.counts[field] += result.done.length;
  if (field === "added") record.counts.alreadyPresent += result.alreadyDone.length;
  record.counts.failed += result.failed.length;
  await record.report.written(field, result.done);
  for (const failure of result.failed) {
    record.addError({ id: failure.id, code: failure.code, message: failure.message });
    record.report.failed(failure.id, `${failure.code}: ${failure.message}`);
  }
}

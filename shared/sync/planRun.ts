import type { CollectionInfo } from "../core/ports/membershipSource.js";
import { PermanentSyncError } from "../errors.js";
import { judgeGroup } from "../core/groupEligibility.js";
import { mappingKeyOf } from "../core/ids.js";
import type { MemberReport } from "./memberReport.js";
import { planChanges } from "./planChanges.js";
import { resolveDevices, resolveUsers, type Resolution } from "./resolveMembers.js";
import type { RunContext } from "./runContext.js";
import { checkRemovalGuards } from "./safetyGuards.js";

/** Reads both sides and decides: the changes, and the guard (if any) that stops the removals. */
export async function planRun(ctx: RunContext, collection: CollectionInfo) {
  const { mapping, deps, record, state } = ctx;
  const resolution = await readAndResolve(ctx, collection);
  const current = await ctx.group.members();
  // Read in every mode: only managed removes by it, but every mode keeps it true (a mode switch relies on it).
  const ledger = await deps.ledger.list(mappingKeyOf(mapping));
  const plan = await planChanges(mapping.mode, resolution.desired, current, ledger);
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
    ...(collection.vouchedAt === undefined
      ? {}
      : { sourceAge: { ageMs: Math.max(0, deps.clock.now() - collection.vouchedAt), maxAgeMs: deps.policy.snapshotMaxAgeMs } }),
  });
  const approved = guard !== null && state.approval?.fingerprint === guard.fingerprint;
  return { resolution, plan, guard, approved, ledger };
}

/** The group must still exist and still take members from us (the rule mapping creation used). */
export async function checkGroup(ctx: RunContext): Promise<void> {
  const group = await ctx.directory.getGroup(ctx.mapping.groupId);
  if (!group) throw new PermanentSyncError("group-not-found", `Group ${ctx.mapping.groupId} does not exist in Entra ID (deleted?).`);
  const verdict = judgeGroup(group, ctx.mapping.memberType);
  if (verdict.reason) throw new PermanentSyncError(verdict.reason, verdict.message ?? verdict.reason);
}

/** Reads the collection (all or nothing) and resolves its members to Entra object ids, counting the skipped. */
export async function readAndResolve(ctx: RunContext, collection: CollectionInfo): Promise<Resolution> {
  const { mapping, source, directory, deps, record } = ctx;
  if (collection.type !== mapping.memberType) {
    throw new PermanentSyncError(
      "unsupported-collection-type",
      `Collection ${collection.id} is a ${collection.type} collection but the mapping syncs ${mapping.memberType}s.`,
    );
  }
  const options = { includeHybridJoined: mapping.includeHybridJoined, cache: deps.resolution, tenantKey: tenantKeyOf(mapping), now: deps.clock.now() };
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
  reportResolution(record.report, resolution);
  return resolution;
}

/**
 * Remembers what Graph answered for the cache's misses. Called once the run's writes are done: a run that fails
 * before then only looks those members up again next time.
 */
export async function rememberLookups(ctx: RunContext, resolution: Resolution): Promise<void> {
  const { deps, mapping } = ctx;
  if (deps.resolution && resolution.lookedUp.length > 0) await deps.resolution.putMany(tenantKeyOf(mapping), resolution.lookedUp);
}

/** The resolution cache's partition: the mapping's tenant, or "home". */
function tenantKeyOf(mapping: RunContext["mapping"]): string {
  return mapping.tenantId ?? "home";
}

/** Skipped members go into the run's report now; written ones later, named by what the collection said. */
function reportResolution(report: MemberReport, resolution: Resolution): void {
  // The run's own map, not a copy (a million members): a member only skipped is named by it too from here on.
  const known = resolution.members;
  for (const member of resolution.skipped) {
    report.skipped({ resourceId: member.resourceId, name: member.name, entraId: member.entraId ?? null }, member.reason, member.objectId ?? null);
    // A member removed by mirror because it is now disabled or hybrid-joined is still named in the report.
    if (member.objectId && !known.has(member.objectId))
      known.set(member.objectId, { resourceId: member.resourceId, name: member.name, entraId: member.entraId ?? null });
  }
  report.know(known);
}

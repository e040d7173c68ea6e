import { PermanentSyncError } from "../errors.js";
import { mappingKeyOf } from "../core/ids.js";
import type { Mapping } from "../core/mapping.js";
import { checkGroup, planRun, rememberLookups } from "./planRun.js";
import { nameUnnamedMembers } from "./nameMembers.js";
import { countRequests, failure, trackGroup, type RunContext } from "./runContext.js";
import type { RunRecord } from "./runRecord.js";
import type { SyncDeps } from "./syncDeps.js";
import type { SyncRun } from "../core/syncRun.js";

/** Plan without lease or writes: exactly what a run would do now, and which guard would block it. */
export async function previewMapping(deps: SyncDeps, mapping: Mapping, record: RunRecord): Promise<SyncRun> {
  const source = deps.sources.open();
  const directory = deps.directories.open(mapping.tenantId);
  const state = await deps.state.get(mappingKeyOf(mapping));
  const ctx: RunContext = { deps, mapping, record, source, directory, state, group: trackGroup(deps, mapping, directory, state, true) };
  try {
    const collection = await source.getCollection(mapping.collectionId);
    if (!collection) throw new PermanentSyncError("collection-not-found", `Collection ${mapping.collectionId} does not exist in ConfigMgr.`);
    await checkGroup(ctx);
    const { plan, guard, approved, resolution } = await planRun(ctx, collection);
    // Lookups are facts about Entra, not changes: the run that follows the preview need not repeat them.
    await rememberLookups(ctx, resolution);
    record.blockedBy = guard && !approved ? guard.guard : null;
    // The report says what the run would do: the same rows a real run would record, before anything is written.
    await record.report.written("added", plan.toAdd);
    await record.report.written(record.blockedBy ? "held-back" : "removed", plan.toRemove);
    await nameUnnamedMembers(ctx);
    record.counts.heldBack = record.blockedBy ? plan.toRemove.length : 0;
    record.preview = { toAdd: plan.toAdd, toRemove: plan.toRemove, skipped: resolution.skipped, members: record.report.entries };
    countRequests(ctx);
    return record.finish(
      "preview",
      previewMessage(plan.toAdd.length, plan.toRemove.length, record.blockedBy ? (guard?.message ?? "") : null),
      deps.clock.now(),
    );
  } catch (error) {
    const outcome = failure(record, error);
    countRequests(ctx);
    if (outcome.unexpected) throw error;
    return record.finish("failed", outcome.message, deps.clock.now());
  }
}

/** One sentence that agrees with the numbers: removals a guard would hold are never counted as made. */
export function previewMessage(toAdd: number, toRemove: number, heldBackBecause: string | null): string {
  if (heldBackBecause === null || toRemove === 0) return `Would add ${toAdd} and remove ${toRemove}.`;
  const removals = toRemove === 1 ? "1 removal" : `${toRemove} removals`;
  return `Would add ${toAdd} and remove 0; ${removals} would be held back until approved: ${heldBackBecause}`;
}

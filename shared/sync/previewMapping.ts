import { PermanentSyncError } from "../errors.js";
import { mappingKeyOf } from "../core/ids.js";
import type { Mapping } from "../core/mapping.js";
import { checkGroup, planRun, rememberLookups } from "./planRun.js";
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
    record.report.written("added", plan.toAdd);
    record.report.written("removed", plan.toRemove);
    record.preview = { toAdd: plan.toAdd, toRemove: plan.toRemove, skipped: resolution.skipped, members: record.report.entries };
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

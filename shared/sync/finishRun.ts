import { ConcurrencyError } from "../errors.js";
import { mappingKeyOf } from "../core/ids.js";
import type { MappingState } from "../core/ports/mappingState.js";
import { countRequests, keepState, type Outcome, type RunContext } from "./runContext.js";
import { logRun } from "./runLog.js";
import { stateAfterRun } from "./stateAfterRun.js";
import type { SyncRun } from "../core/syncRun.js";

/** A notification names this many held-back removals; the blocked change's page lists them all. */
const HELD_BACK_NAMED = 10;

/** Records the run, moves the mapping state on (lease released), logs it. */
export async function finishRun(ctx: RunContext, outcome: Outcome): Promise<SyncRun> {
  const { deps, record, mapping } = ctx;
  countRequests(ctx);
  const run = record.finish(outcome.status, outcome.message, deps.clock.now());
  await deps.runs.record(run, record.report);
  // A failed run keeps what the state knew (blocked change, approval, watermark) except the failure count.
  const effects = outcome.status === "failed" ? { ...keepState(ctx.state), watermark: null } : outcome.effects;
  const groupSnapshot = outcome.status === "failed" ? undefined : outcome.groupSnapshot;
  const next = { ...stateAfterRun(ctx.state, run, effects), ...(groupSnapshot === undefined ? {} : { groupSnapshot }) };
  try {
    const saved = await deps.state.save(next);
    await notifyStateChange(ctx, saved, run);
    await ctx.group.prune(groupSnapshot);
  } catch (error) {
    // Our lease expired and another worker took over: its state wins, ours is dropped (never overwrite).
    if (!(error instanceof ConcurrencyError)) throw error;
    deps.log.warn("Mapping state changed under this run; not overwriting it", { mappingKey: mappingKeyOf(mapping), runId: run.runId });
  }
  logRun(deps, run);
  return run;
}

/**
 * Hands the state this run saved to the state-change port, once: only a saved state counts. Whether it calls
 * for a notification (a run that leaves the state as it was calls for none) is decided, stored and delivered
 * behind the port (notify/), so a slow receiver never slows a sync.
 */
async function notifyStateChange(ctx: RunContext, saved: MappingState, run: SyncRun): Promise<void> {
  const { notifier } = ctx.deps;
  if (notifier === undefined || !ctx.mapping.notify) return;
  // The first few only: the report of a first sync holds a million entries.
  const heldBack: string[] = [];
  for (const entry of ctx.record.report.entries) {
    if (heldBack.length === HELD_BACK_NAMED) break;
    if (entry.outcome === "held-back") heldBack.push(entry.name ?? entry.objectId ?? "?");
  }
  await notifier.stateChanged({ before: ctx.state, after: saved, run, mapping: ctx.mapping, heldBack });
}

import type { MembershipSource } from "../core/ports/membershipSource.js";
import { CredentialUnavailableError, PermanentSyncError, RunDeadlineError, SourceReadError, ensureError } from "../errors.js";
import type { Directory } from "../core/ports/directory.js";
import { mappingKeyOf } from "../core/ids.js";
import type { Mapping } from "../core/mapping.js";
import { GroupTracker, GROUP_REFRESH_MS } from "./groupTracker.js";
import type { GroupSnapshot, MappingState } from "../core/ports/mappingState.js";
import type { RunRecord } from "./runRecord.js";
import type { RunEffects } from "./stateAfterRun.js";
import type { SyncDeps } from "./syncDeps.js";
import type { RunStatus } from "../core/syncRun.js";

/** Everything one run (or preview) of one mapping works with. */
export interface RunContext {
  readonly deps: SyncDeps;
  readonly mapping: Mapping;
  readonly record: RunRecord;
  readonly source: MembershipSource;
  readonly directory: Directory;
  readonly state: MappingState;
  /** The group side: snapshot + delta instead of reading every member (groupTracker.ts). */
  readonly group: GroupTracker;
}

export interface Outcome {
  readonly status: RunStatus;
  readonly message: string;
  readonly effects: RunEffects;
  readonly unexpected?: boolean;
  /** The group snapshot the state should hold next (undefined: keep the stored one). */
  readonly groupSnapshot?: GroupSnapshot | null;
}

export function trackGroup(deps: SyncDeps, mapping: Mapping, directory: Directory, state: MappingState, dryRun: boolean): GroupTracker {
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

export function keepState(state: MappingState): RunEffects {
  return { watermark: state.watermark, blocked: state.blocked, approvalConsumed: false };
}

/** Settings a watermark and a group snapshot were taken under; a change means they describe another set. */
export function mappingFingerprint(mapping: Mapping): string {
  return [mapping.mode, mapping.memberType, mapping.includeHybridJoined, mapping.tenantId ?? "home"].join("|");
}

/** Request counts of this run's own views, onto the run record. */
export function countRequests(ctx: RunContext): void {
  const stats = ctx.directory.stats();
  ctx.record.graphRequests = stats.requests;
  ctx.record.throttledWaitMs = stats.throttledWaitMs;
  ctx.record.adminServiceRequests = ctx.source.requestCount();
}

/** How an error ends a run: recorded reasons for what a person must fix, "unexpected" for what may pass. */
export function failure(record: RunRecord, error: unknown, state?: MappingState): Outcome & { effects: RunEffects } {
  const noEffects: RunEffects = { watermark: null, blocked: null, approvalConsumed: false };
  if (error instanceof PermanentSyncError) {
    record.addError({ code: error.reason, message: error.message });
    return { status: "failed", message: error.message, effects: noEffects };
  }
  if (error instanceof CredentialUnavailableError) {
    record.addError({ code: "credential-unavailable", message: error.message });
    return { status: "failed", message: `${error.message} The next run tries again.`, effects: noEffects };
  }
  if (error instanceof RunDeadlineError) {
    // Graph throttled or stalled a read past the time budget: nothing is diffed against a partial read.
    record.retryAfterMs = error.retryAfterMs;
    record.addError({ code: "time-budget-exhausted", message: error.message });
    const keep: RunEffects = { watermark: null, blocked: state?.blocked ?? null, approvalConsumed: false };
    return { status: "rescheduled", message: `The run's time budget ran out while reading Graph; the job is re-scheduled. ${error.message}`, effects: keep };
  }
  if (error instanceof SourceReadError) {
    record.addError({ code: `source-${error.kind}`, message: error.message });
    return { status: "failed", message: `ConfigMgr read failed (${error.kind}); nothing was written. ${error.message}`, effects: noEffects };
  }
  const err = ensureError(error);
  record.addError({ code: "unexpected", message: err.message });
  return { status: "failed", message: `Unexpected error: ${err.message}`, effects: noEffects, unexpected: true };
}

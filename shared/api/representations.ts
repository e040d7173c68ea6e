import type { Mapping } from "../core/mapping.js";
import type { MappingState } from "../core/ports/mappingState.js";
import type { RunSummary } from "../core/runSummary.js";
import type { SnapshotView } from "../snapshots/mappedCollections.js";
import type { BlockedView, RunSummaryView, StateView } from "./contract.js";
import type { MappingView } from "./apiWire.js";
import type { SyncRun } from "../core/syncRun.js";
import { GUARD_LABELS, labelOf, MAPPING_STATUS_LABELS, RUN_STATUS_LABELS, RUN_TRIGGER_LABELS } from "../core/labels.js";
import { mappingStatus } from "./mappingStatus.js";

export function runSummaryView(summary: RunSummary | null | undefined): RunSummaryView | null {
  if (summary === null || summary === undefined) return null;
  return { ...summary, statusLabel: labelOf(RUN_STATUS_LABELS, summary.status) ?? summary.status };
}

export function blockedView(blocked: NonNullable<MappingState["blocked"]>): BlockedView {
  return {
    guard: blocked.guard,
    guardLabel: labelOf(GUARD_LABELS, blocked.guard) ?? blocked.guard,
    message: blocked.message,
    removeCount: blocked.removeCount,
    at: blocked.at,
    runId: blocked.runId ?? null,
  };
}

/** What an admin needs at a glance: the badge, whether it is blocked, the last run and the last change, sizes. */
export function stateSummary(mapping: Pick<Mapping, "enabled">, state: MappingState, now: number, sourceStale = false): StateView {
  const status = mappingStatus(mapping, state, now, sourceStale);
  return {
    status,
    statusLabel: MAPPING_STATUS_LABELS[status],
    health: state.health,
    blocked: state.blocked === null ? null : blockedView(state.blocked),
    approval: state.approval === null ? null : { by: state.approval.by, at: state.approval.at },
    lastRunStatus: state.lastRunStatus,
    lastRunAt: state.lastRunAt,
    lastSuccessAt: state.lastSuccessAt,
    consecutiveFailures: state.consecutiveFailures,
    syncing: state.lease !== null && state.lease.expiresAt > now,
    lastRun: runSummaryView(state.lastRun),
    lastChange: runSummaryView(state.lastChange),
    groupSize: state.groupSize ?? null,
    collectionSize: state.collectionSize ?? null,
  };
}

/**
 * Where a mapping's members come from, with SOURCE_MODE=pushed: its collection's current snapshot, or
 * "awaiting-first-snapshot" until the collector has uploaded one.
 */
export interface SourceSummary {
  readonly status: "awaiting-first-snapshot" | "current" | "stale";
  readonly snapshot: SnapshotView | null;
}

export function sourceSummary(snapshot: SnapshotView | null): SourceSummary {
  return { status: snapshot === null ? "awaiting-first-snapshot" : snapshot.stale ? "stale" : "current", snapshot };
}

/** A mapping as the API returns it (all fields, plus its state summary, plus its snapshot when pushed). */
export function mappingView(mapping: Mapping, state: MappingState, now: number, source?: SourceSummary): MappingView & { readonly source?: SourceSummary } {
  const sourceStale = source !== undefined && source.status !== "current";
  return { ...mapping, state: stateSummary(mapping, state, now, sourceStale), ...(source === undefined ? {} : { source }) };
}

/** Canonical URL path of a mapping (ids are already normalised: upper-case collection, lower-case GUID). */
export function mappingLocation(mapping: { collectionId: string; groupId: string }): string {
  return `/api/mappings/${mapping.collectionId}/${mapping.groupId}`;
}

/** A run as the history and the run page show it: with the words for its codes, and who approved what it applied. */
export function runView(run: SyncRun): Record<string, unknown> {
  return {
    ...run,
    statusLabel: labelOf(RUN_STATUS_LABELS, run.status),
    triggerLabel: labelOf(RUN_TRIGGER_LABELS, run.trigger),
    blockedByLabel: labelOf(GUARD_LABELS, run.blockedBy),
    approvedBy: run.approvedBy ?? null,
  };
}

import type { Mapping } from "../core/mapping.js";
import type { MappingState } from "../core/ports/mappingState.js";
import type { SnapshotView } from "../snapshots/mappedCollections.js";
import type { MappingView, StateSummary } from "./apiWire.js";

export function stateSummary(state: MappingState, now: number): StateSummary {
  const blocked = state.blocked;
  return {
    health: state.health,
    blocked: blocked === null ? null : { guard: blocked.guard, message: blocked.message, removeCount: blocked.removeCount, at: blocked.at },
    lastRunStatus: state.lastRunStatus,
    lastRunAt: state.lastRunAt,
    lastSuccessAt: state.lastSuccessAt,
    consecutiveFailures: state.consecutiveFailures,
    syncing: state.lease !== null && state.lease.expiresAt > now,
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
  return { ...mapping, state: stateSummary(state, now), ...(source === undefined ? {} : { source }) };
}

/** Canonical URL path of a mapping (ids are already normalised: upper-case collection, lower-case GUID). */
export function mappingLocation(mapping: { collectionId: string; groupId: string }): string {
  return `/api/mappings/${mapping.collectionId}/${mapping.groupId}`;
}

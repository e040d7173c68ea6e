import type { Mapping } from "../core/mapping.js";
import type { MappingState } from "../core/ports/mappingState.js";
import type { MappingStatus } from "../core/labels.js";

/**
 * No finished run for this long while enabled: the schedule (every 5 minutes) is not reaching the mapping —
 * the timer, the queue or the workers are stuck. Six missed ticks leave room for a slow large run.
 */
export const STALE_AFTER_MS = 30 * 60_000;

/**
 * The badge an admin reads (docs/api.md "Mapping status"): the first that applies, so a
 * never-run, a disabled and a blocked mapping never all say "healthy".
 */
export function mappingStatus(mapping: Pick<Mapping, "enabled">, state: MappingState, now: number, sourceStale = false): MappingStatus {
  // Switched off on purpose: whatever its last runs did, nothing happens until someone enables it again.
  if (!mapping.enabled) return "disabled";
  if (state.health === "quarantined") return "quarantined";
  if (state.blocked !== null) return "blocked";
  if (state.health === "degraded") return "degraded";
  if (state.lastRunStatus === "failed") return "failing";
  if (state.lastRunAt === null) return sourceStale ? "stale" : "never-run";
  if (sourceStale || now - Date.parse(state.lastRunAt) > STALE_AFTER_MS) return "stale";
  return "healthy";
}

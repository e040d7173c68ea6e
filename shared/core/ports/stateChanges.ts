import type { Mapping } from "../mapping.js";
import type { SyncRun } from "../syncRun.js";
import type { MappingState } from "./mappingState.js";

/** What one run did to a mapping's state: the state it started from, the state it saved, and the run itself. */
export interface StateChange {
  /** The state the run started from (lease taken). */
  readonly before: MappingState;
  /** The state the run saved. */
  readonly after: MappingState;
  readonly run: SyncRun;
  readonly mapping: Mapping;
}

/**
 * Where the engine reports a saved state change (blocked, degraded, quarantined, recovered); what an admin is
 * told, and how, is the notifications' business (notify/). Never throws and never waits for a receiver: a
 * notification must not slow down or fail a sync.
 */
export interface StateChangeSink {
  stateChanged(change: StateChange): Promise<void>;
}

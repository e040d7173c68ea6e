import type { SimulatorCounters } from "../simulator/index.js";

/** What the bench measures per scenario (the JSON document's `scenarios` entries). */
export interface ScenarioFigures {
  /** Graph HTTP requests (a `$batch` counts once). */
  readonly graphRequests: number;
  /** Graph read and write (sub-)requests, each `$batch` sub-request counted on its own, throttled ones included. */
  readonly graphReads: number;
  readonly graphWrites: number;
  readonly adminServiceRequests: number;
  /** Graph answers 429 (plain or inside `$batch`). */
  readonly throttled: number;
  readonly wallMs: number;
  /** Time the engine spent writing members (inside addMembers/removeMembers). */
  readonly writePhaseMs: number;
  /** Least time the simulator's write budget allows for the writes Graph accepted, from full buckets. */
  readonly throttleMinMs: number;
  /** Peak resident set size of the bench process; null when not measured on its own (the naive slice). */
  readonly peakRssMiB: number | null;
  /** Peak V8 heap in use (live objects and uncollected garbage); null when not measured. */
  readonly peakHeapMiB: number | null;
  /** Graph HTTP requests spent resolving members (device/user look-ups). */
  readonly resolutionRequests: number;
  /** Table Storage HTTP requests (where the scenario counts them). */
  readonly tableRequests?: number;
  /** The run's status (scenarios through the engine). */
  readonly status?: string;
  /** Figures multiplied up from a measured slice. */
  readonly extrapolated?: boolean;
}

/** The simulator's request counts as scenario figures, plus what was measured beside them. */
export function figuresOf(
  counters: SimulatorCounters,
  measured: Omit<ScenarioFigures, "graphRequests" | "graphReads" | "graphWrites" | "adminServiceRequests" | "throttled">,
): ScenarioFigures {
  return {
    graphRequests: counters.graphHttpRequests,
    graphReads: counters.graphReads,
    graphWrites: counters.graphWrites,
    adminServiceRequests: counters.adminServiceRequests,
    throttled: counters.throttled,
    ...measured,
  };
}

export interface Target {
  readonly name: string;
  readonly value: number;
  readonly comparison: "<=" | ">=";
  readonly limit: number;
  readonly holds: boolean;
  readonly note?: string;
}

export function atMost(name: string, value: number, limit: number, note?: string): Target {
  return { name, value: round(value), comparison: "<=", limit: round(limit), holds: value <= limit, ...(note ? { note } : {}) };
}

export function atLeast(name: string, value: number, limit: number, note?: string): Target {
  return { name, value: round(value), comparison: ">=", limit: round(limit), holds: value >= limit, ...(note ? { note } : {}) };
}

/** A yes/no check (the group holds everyone, the run succeeded) as a target: 1 when it held, which must be ≥ 1. */
export function passed(name: string, ok: boolean): Target {
  return { name, value: ok ? 1 : 0, comparison: ">=", limit: 1, holds: ok };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

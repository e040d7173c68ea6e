import { ensureError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../core/ports/clock.js";
import { initialState, type MappingState, type MappingStateStore } from "../core/ports/mappingState.js";
import { mappingKeyOf, type MappingRef } from "../core/ids.js";
import type { Mapping } from "../core/mapping.js";
import type { MappingStore } from "../core/ports/mappingStore.js";

/** One mapping and its run state, as the list shows them. */
export interface FleetEntry {
  readonly mapping: Mapping;
  readonly state: MappingState;
}

export interface FleetIndexOptions {
  /** Between two "what changed" queries; requests in between answer from memory. Default 1 s. */
  readonly checkEveryMs?: number;
  /** A full re-read (in the background) picks up mappings deleted by another instance. Default 60 s. */
  readonly reloadEveryMs?: number;
}

/** Rows written this long before the last check are read again: the store's clock and ours may differ a little. */
const CLOCK_MARGIN_MS = 5_000;

/**
 * The fleet at one moment: `entries[i].mapping === mappings[i]`. `mappings` stays the same array while no mapping
 * changed (only states did), so what depends on mappings alone (names, their order) can be kept per array.
 */
export interface Fleet {
  readonly entries: readonly FleetEntry[];
  readonly mappings: readonly Mapping[];
}

export interface FleetIndex {
  /** Every mapping with its state, at most `checkEveryMs` old (changes written through this index: at once). */
  fleet(): Promise<Fleet>;
  /** A write this process made: seen by the next `entries()` without waiting for the next check. */
  noteMapping(mapping: Mapping): void;
  noteState(state: MappingState): void;
  forget(ref: MappingRef): void;
}

/**
 * The whole fleet in memory, so a list of 10,000 mappings is searched, sorted and counted without 10,000 state
 * reads per request. Freshness is cheap: one query per table for rows whose Timestamp moved since the last check
 * (usually a handful), at most once per `checkEveryMs`; a full re-read in the background every `reloadEveryMs`
 * drops mappings another instance deleted. The first request waits for the first full read.
 */
export function createFleetIndex(
  deps: { readonly mappings: MappingStore; readonly state: MappingStateStore; readonly clock: Clock; readonly log: Logger },
  options: FleetIndexOptions = {},
): FleetIndex {
  const checkEveryMs = options.checkEveryMs ?? 1_000;
  const reloadEveryMs = options.reloadEveryMs ?? 60_000;
  let mappings = new Map<string, Mapping>();
  let states = new Map<string, MappingState>();
  let list: Fleet | null = null;
  let mappingList: Mapping[] | null = null;
  let loadedAt = -Infinity;
  let checkedAt = -Infinity;
  let checking: Promise<void> | null = null;
  let reloading: Promise<void> | null = null;
  /** Deleted through this index, with when: a full read that began before the delete must not bring them back. */
  const forgotten = new Map<string, number>();

  const changed = () => void (list = null);
  const mappingsChanged = () => {
    mappingList = null;
    list = null;
  };
  const putMapping = (mapping: Mapping) => void mappings.set(mappingKeyOf(mapping), mapping);
  const putState = (state: MappingState) => void states.set(state.mappingKey, state);

  async function readAll(changedSince?: Date): Promise<{ mappings: Mapping[]; states: MappingState[] }> {
    const since = changedSince === undefined ? {} : { changedSince };
    const [m, s] = await Promise.all([collect(deps.mappings.listAll(since)), collect(deps.state.listAll(since))]);
    return { mappings: m, states: s };
  }

  async function fullLoad(): Promise<void> {
    const startedAt = deps.clock.now();
    const read = await readAll();
    for (const [key, at] of forgotten) if (at < startedAt - CLOCK_MARGIN_MS) forgotten.delete(key);
    mappings = new Map(read.mappings.map((mapping) => [mappingKeyOf(mapping), mapping] as const).filter(([key]) => !forgotten.has(key)));
    states = new Map(read.states.map((state) => [state.mappingKey, state]));
    mappingsChanged();
    loadedAt = startedAt;
    // What was written while the full read ran may be missing from it: look once more from its start.
    await check(startedAt);
  }

  async function check(from: number): Promise<void> {
    const startedAt = deps.clock.now();
    const read = await readAll(new Date(from - CLOCK_MARGIN_MS));
    // Rows read again for the clock margin are usually the ones already held: only a new ETag is a change.
    const newMappings = read.mappings.filter((mapping) => !forgotten.has(mappingKeyOf(mapping)) && mappings.get(mappingKeyOf(mapping))?.etag !== mapping.etag);
    const newStates = read.states.filter((state) => states.get(state.mappingKey)?.etag !== state.etag);
    newMappings.forEach(putMapping);
    newStates.forEach(putState);
    if (newMappings.length > 0) mappingsChanged();
    else if (newStates.length > 0) changed();
    checkedAt = startedAt;
  }

  function shared(current: Promise<void> | null, start: () => Promise<void>, clear: () => void): Promise<void> {
    return current ?? start().finally(clear);
  }

  async function fresh(): Promise<void> {
    const now = deps.clock.now();
    if (loadedAt === -Infinity) {
      reloading = shared(reloading, fullLoad, () => (reloading = null));
      await reloading;
      return;
    }
    if (now - loadedAt >= reloadEveryMs && reloading === null) {
      reloading = shared(null, fullLoad, () => (reloading = null));
      reloading.catch((error: unknown) =>
        deps.log.warn("Re-reading every mapping for the list failed; the next request tries again", { error: ensureError(error).message }),
      );
    }
    if (now - checkedAt >= checkEveryMs) {
      checking = shared(
        checking,
        () => check(checkedAt),
        () => (checking = null),
      );
      await checking;
    }
  }

  return {
    async fleet() {
      await fresh();
      if (list === null) {
        mappingList ??= [...mappings.values()];
        const entries = mappingList.map((mapping) => {
          const key = mappingKeyOf(mapping);
          return { mapping, state: states.get(key) ?? initialState(key) };
        });
        list = { entries, mappings: mappingList };
      }
      return list;
    },
    noteMapping(mapping) {
      forgotten.delete(mappingKeyOf(mapping));
      putMapping(mapping);
      mappingsChanged();
    },
    noteState(state) {
      putState(state);
      changed();
    },
    forget(ref) {
      const key = mappingKeyOf(ref);
      forgotten.set(key, deps.clock.now());
      mappings.delete(key);
      states.delete(key);
      mappingsChanged();
    },
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

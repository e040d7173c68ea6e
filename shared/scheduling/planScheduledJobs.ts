import pMap from "p-map";
import { ensureError } from "../errors.js";
import type { Logger } from "../logger.js";
import { mappingKeyOf } from "../core/ids.js";
import type { Mapping } from "../core/mapping.js";
import type { MappingStore } from "../core/ports/mappingStore.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import { newSyncJob, type SyncJob } from "../core/syncJob.js";
import type { Clock } from "../core/ports/clock.js";
import type { MappingState, MappingStateStore, SchedulingState } from "../core/ports/mappingState.js";

export interface SchedulerDeps {
  readonly mappings: MappingStore;
  readonly state: MappingStateStore;
  readonly queue: JobQueue;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface ScheduleResult {
  /** Jobs the tick decided to send (one per eligible mapping). */
  planned: number;
  /** Another worker holds an unexpired lease: that mapping is being synced right now. */
  skippedLeased: number;
  /** The mapping failed too often and waits for an admin. */
  skippedQuarantined: number;
  /** Disabled mappings the store returned although asked for enabled ones only (normally 0). */
  skippedDisabled: number;
  /** Jobs handed to the queue (duplicates the queue drops still count: the send succeeded). */
  sent: number;
}

/** Mappings handled together: their states are read in parallel, their jobs sent as one batched send. */
const CHUNK_SIZE = 250;
/** State reads in flight at once: 1,000 mappings cost ~1,000/16 round trips, not 1,000. */
const STATE_READS_IN_FLIGHT = 16;

/**
 * One scheduler tick (docs/queue.md): one job per enabled mapping that is neither leased nor quarantined.
 * The job id is the mapping key plus the tick's minute, so a second run in the same tick sends the same ids
 * and duplicate detection drops them. Skipping leased mappings here is only a saving: the worker's lease is
 * what really keeps two runs of one mapping apart.
 */
export async function planScheduledJobs(deps: SchedulerDeps, tick: Date): Promise<ScheduleResult> {
  const result: ScheduleResult = { planned: 0, skippedLeased: 0, skippedQuarantined: 0, skippedDisabled: 0, sent: 0 };
  const enqueuedAt = new Date(deps.clock.now()).toISOString();
  const known = await readSchedulingStates(deps);
  let chunk: Mapping[] = [];
  const flush = async () => {
    const jobs = await planChunk(deps, chunk, tick, enqueuedAt, result, known);
    chunk = [];
    result.planned += jobs.length;
    if (jobs.length === 0) return;
    await deps.queue.send(jobs);
    result.sent += jobs.length;
  };
  for await (const mapping of deps.mappings.listAll({ enabledOnly: true })) {
    chunk.push(mapping);
    if (chunk.length >= CHUNK_SIZE) await flush();
  }
  await flush();
  return result;
}

/**
 * Every state's health and lease in one paged query, when the store can list them; null when it cannot (or the
 * listing fails: then each mapping's state is read on its own, as before).
 */
async function readSchedulingStates(deps: SchedulerDeps): Promise<Map<string, SchedulingState> | null> {
  if (deps.state.listSchedulingStates === undefined) return null;
  const states = new Map<string, SchedulingState>();
  try {
    for await (const state of deps.state.listSchedulingStates()) states.set(state.mappingKey, state);
    return states;
  } catch (thrown) {
    deps.log.warn("scheduler could not list the mappings' states; reading them one by one", { error: ensureError(thrown).message });
    return null;
  }
}

async function planChunk(
  deps: SchedulerDeps,
  mappings: readonly Mapping[],
  tick: Date,
  enqueuedAt: string,
  result: ScheduleResult,
  known: ReadonlyMap<string, SchedulingState> | null,
): Promise<SyncJob[]> {
  const enabled = mappings.filter((mapping) => {
    if (!mapping.enabled) result.skippedDisabled += 1;
    return mapping.enabled;
  });
  // A mapping created since the listing has no state yet: it is due, as one with an initial state.
  const states: (SchedulingState | undefined)[] =
    known === null
      ? await pMap(enabled, (mapping) => readState(deps, mappingKeyOf(mapping)), { concurrency: STATE_READS_IN_FLIGHT })
      : enabled.map((mapping) => known.get(mappingKeyOf(mapping)));
  const now = deps.clock.now();
  const jobs: SyncJob[] = [];
  enabled.forEach((mapping, index) => {
    const state = states[index];
    if (state?.health === "quarantined") {
      result.skippedQuarantined += 1;
    } else if (state?.lease != null && state.lease.expiresAt > now) {
      result.skippedLeased += 1;
    } else {
      jobs.push(newSyncJob(mapping, { trigger: "schedule", tick }, enqueuedAt));
    }
  });
  return jobs;
}

/**
 * A state that cannot be read must not stop the other mappings' syncs: plan the job anyway (the worker takes
 * the lease and reads the state itself) and say so.
 */
async function readState(deps: SchedulerDeps, mappingKey: string): Promise<MappingState | undefined> {
  try {
    return await deps.state.get(mappingKey);
  } catch (thrown) {
    deps.log.warn("scheduler could not read a mapping's state; planning it anyway", { mappingKey, error: ensureError(thrown).message });
    return undefined;
  }
}

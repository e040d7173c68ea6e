/**
 * S4: one scheduler tick over many mappings — `planScheduledJobs` reads every enabled mapping and its state from
 * Table Storage and sends one job per mapping to the in-process job queue (the `serve` / CLI queue).
 */
import { randomUUID } from "node:crypto";
import { silentLogger } from "../shared/logger.js";
import { mappingKeyOf } from "../shared/core/ids.js";
import { createInProcessJobQueue } from "../shared/queue/inProcessJobQueue.js";
import { planScheduledJobs } from "../shared/scheduling/planScheduledJobs.js";
import type { TableStores } from "../shared/storage/tableStores.js";
import { systemClock } from "../shared/core/ports/clock.js";
import { initialState } from "../shared/core/ports/mappingState.js";
import { benchMapping } from "./benchRig.js";
import type { ScenarioFigures } from "./figures.js";
import { sampleMemory } from "./memorySampler.js";

const CREATE_IN_FLIGHT = 32;
/** Entities per Table Storage query page. */
export const TABLE_PAGE = 1_000;

export interface SchedulerResult {
  readonly figures: ScenarioFigures;
  readonly planned: number;
  readonly delivered: number;
}

/**
 * Mappings (each with a stored state, as after its first run) are set up first; only the tick is timed. `tables`
 * counts the Table Storage requests the stores make (they are pointed at its proxy).
 */
export async function runSchedulerScenario(
  stores: TableStores,
  mappings: number,
  tables: { readonly requests: number; reset(): void },
): Promise<SchedulerResult> {
  await inParallel(mappings, CREATE_IN_FLIGHT, async (i) => {
    const collectionId = `BEN${(0x10000 + i).toString(16).toUpperCase().slice(-5)}`;
    const mapping = await stores.mappings.create(benchMapping(collectionId, randomUUID()));
    await stores.state.save(initialState(mappingKeyOf(mapping)));
  });
  let delivered = 0;
  const queue = createInProcessJobQueue({ clock: systemClock, log: silentLogger, concurrency: 16, handler: async () => void delivered++ });
  const memory = sampleMemory();
  tables.reset();
  const started = performance.now();
  const result = await planScheduledJobs({ mappings: stores.mappings, state: stores.state, queue, clock: systemClock, log: silentLogger }, new Date());
  const wallMs = performance.now() - started;
  const tableRequests = tables.requests;
  const peak = memory.stop();
  await queue.drain();
  await queue.close();
  return {
    planned: result.planned,
    delivered,
    figures: {
      graphRequests: 0,
      graphReads: 0,
      graphWrites: 0,
      adminServiceRequests: 0,
      throttled: 0,
      wallMs: Math.round(wallMs),
      writePhaseMs: 0,
      throttleMinMs: 0,
      peakRssMiB: peak.rssMiB,
      peakHeapMiB: peak.heapMiB,
      resolutionRequests: 0,
      tableRequests,
    },
  };
}

async function inParallel(count: number, width: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
}

/**
 * One app instance of S5 in its own process: its own engine, Graph client and in-process throttle, sharing only
 * what instances in Azure share — the simulated tenant over HTTP and Table Storage (the mappings, the resolution
 * cache and the tenant's Graph budget row) in the bench's Azurite. Jobs arrive over IPC as Service Bus would
 * deliver them; the Functions host and Service Bus themselves are not simulated.
 */
import { syncMapping } from "../shared/sync/syncMapping.js";
import { createEngine, type Engine } from "./benchRig.js";
import type { JobOutcome, WorkerReply, WorkerRequest, WorkerStats } from "./workerProtocol.js";

let engine: Engine | null = null;

function live(): Engine {
  if (engine === null) throw new Error("The worker is not started");
  return engine;
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case "start":
      engine = createEngine(request.site);
      return null;
    case "sync": {
      const startedAt = Date.now();
      const run = await syncMapping(live().deps, { collectionId: request.collectionId, groupId: request.groupId, trigger: "schedule" });
      return { collectionId: request.collectionId, status: run.status, added: run.counts.added, startedAt, finishedAt: Date.now() } satisfies JobOutcome;
    }
    case "stats": {
      const { watch, warnings } = live();
      return {
        firstWriteAt: watch.firstWriteAt,
        lastWriteAt: watch.lastWriteAt,
        resolutionRequests: watch.resolutionRequests,
        warnings: Object.fromEntries(warnings),
      } satisfies WorkerStats;
    }
    case "close":
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on("message", (message: { id: number; request: WorkerRequest }) => {
  handle(message.request).then(
    (value) => process.send?.({ id: message.id, ok: true, value } satisfies WorkerReply),
    (error: unknown) =>
      process.send?.({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerReply),
  );
});

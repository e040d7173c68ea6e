import { app, type InvocationContext } from "@azure/functions";
import type { JobQueue } from "../shared/core/ports/jobQueue.js";
import { loggerFor } from "../shared/scheduling/invocationLogger.js";
import { processSyncJob, type WorkerOutcome } from "../shared/scheduling/processSyncJob.js";
import type { SyncDeps, SyncRequest } from "../shared/sync/syncDeps.js";
import type { SyncRun } from "../shared/core/syncRun.js";

/** What the worker needs from the composition root's services. */
export interface SyncWorkerServices {
  readonly sync: Pick<SyncDeps, "clock">;
  readonly queue: JobQueue;
  runSync(request: SyncRequest): Promise<SyncRun>;
}

/**
 * One message from `sync-jobs` → one sync run. Returning completes the message; a throw (only unexpected
 * faults) abandons it, and the host redelivers it and dead-letters it after maxDeliveryCount.
 */
export function makeSyncWorkerHandler(getServices: () => Promise<SyncWorkerServices>) {
  return async (message: unknown, context: InvocationContext): Promise<WorkerOutcome> => {
    const services = await getServices();
    const runSync = (request: SyncRequest) => services.runSync(request);
    return processSyncJob({ runSync, queue: services.queue, clock: services.sync.clock, log: loggerFor(context) }, message);
  };
}

app.serviceBusQueue("syncWorker", {
  // SERVICEBUS_CONNECTION__fullyQualifiedNamespace: the host connects with the managed identity.
  connection: "SERVICEBUS_CONNECTION",
  // The same app setting the scheduler and the API send to, so the two can never drift apart.
  queueName: "%SERVICEBUS_QUEUE%",
  handler: makeSyncWorkerHandler(() => import("./azureServices.js").then((m) => m.getAppServices())),
});

import { app, type InvocationContext, type Timer } from "@azure/functions";
import type { JobQueue } from "../shared/core/ports/jobQueue.js";
import { loggerFor } from "../shared/scheduling/invocationLogger.js";
import { planScheduledJobs, type ScheduleResult } from "../shared/scheduling/planScheduledJobs.js";
import type { SyncDeps } from "../shared/sync/syncDeps.js";

/** What the timer needs from the composition root's services. */
export interface SchedulerServices {
  readonly sync: Pick<SyncDeps, "mappings" | "state" | "clock">;
  readonly queue: JobQueue;
}

/** Every SYNC_SCHEDULE tick: one queued job per enabled mapping that is neither leased nor quarantined. */
export function makeSchedulerHandler(getServices: () => Promise<SchedulerServices>) {
  return async (timer: Timer, context: InvocationContext): Promise<ScheduleResult> => {
    const services = await getServices();
    const log = loggerFor(context);
    const tick = new Date(services.sync.clock.now());
    // A missed tick runs once, late (docs/service-facts.md "Timer"); planning then is right: the mappings are due.
    if (timer.isPastDue) log.warn("scheduler tick is late; planning now", { tick: tick.toISOString() });
    const { mappings, state, clock } = services.sync;
    const result = await planScheduledJobs({ mappings, state, clock, queue: services.queue, log }, tick);
    log.info("scheduler planned sync jobs", { tick: tick.toISOString(), isPastDue: timer.isPastDue, ...result });
    return result;
  };
}

app.timer("scheduler", {
  // An app setting, so the schedule can change without a deployment; it must be set in the app's settings.
  schedule: "%SYNC_SCHEDULE%",
  handler: makeSchedulerHandler(() => import("./azureServices.js").then((m) => m.getAppServices())),
});

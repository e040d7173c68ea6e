import { app, type InvocationContext, type Timer } from "@azure/functions";
import type { Notifications } from "../shared/notify/notifications.js";
import { loggerFor } from "../shared/scheduling/invocationLogger.js";
import { runNotifierTick, type NotifierSources, type NotifierTickResult } from "../shared/notify/notifierTick.js";

/** What the notifier timer needs from the composition root's services. */
export interface NotifierServices {
  readonly notifications: Notifications | null;
  readonly notifierSources: NotifierSources;
}

/** Every minute: report newly dead-lettered jobs and stale snapshots, then deliver the notifications that are due. */
export function makeNotifierHandler(getServices: () => Promise<NotifierServices>) {
  return async (_timer: Timer, context: InvocationContext): Promise<NotifierTickResult | null> => {
    const services = await getServices();
    if (services.notifications === null) return null; // NOTIFY_WEBHOOK_URL is not set
    return runNotifierTick(services.notifications, services.notifierSources, loggerFor(context));
  };
}

app.timer("notifier", {
  // Fixed, not a setting: back-off steps are 30 s and up, so a minute's delay is the granularity that matters.
  schedule: "0 * * * * *",
  handler: makeNotifierHandler(() => import("./azureServices.js").then((m) => m.getAppServices())),
});

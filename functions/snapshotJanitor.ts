import { app, type InvocationContext, type Timer } from "@azure/functions";
import { loggerFor } from "../shared/scheduling/invocationLogger.js";
import type { SnapshotService } from "../shared/snapshots/snapshotService.js";

/** What the janitor needs from the composition root's services. */
export interface SnapshotJanitorServices {
  readonly api: { readonly snapshots: Pick<SnapshotService, "pushed" | "pruneStaging"> };
}

/**
 * Every 10 minutes, with SOURCE_MODE=pushed: uploads nobody committed within an hour are deleted for every
 * collection, so a collector that dies mid-upload (or a caller that never commits) cannot grow the store.
 */
export function makeSnapshotJanitorHandler(getServices: () => Promise<SnapshotJanitorServices>) {
  return async (_timer: Timer, context: InvocationContext): Promise<{ collections: number; deleted: number } | null> => {
    const { snapshots } = (await getServices()).api;
    if (!snapshots.pushed) return null;
    const result = await snapshots.pruneStaging();
    loggerFor(context).info("snapshot staging pruned", result);
    return result;
  };
}

app.timer("snapshotJanitor", {
  schedule: "0 */10 * * * *",
  handler: makeSnapshotJanitorHandler(() => import("./azureServices.js").then((m) => m.getAppServices())),
});

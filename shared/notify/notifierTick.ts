import { ensureError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { DeliveryReport } from "./deliverNotifications.js";
import type { Notifications } from "./notifications.js";
import type { SnapshotFreshness } from "./snapshotWatch.js";

/** What the notifier watches besides the outbox. */
export interface NotifierSources {
  readonly queue: JobQueue;
  /** SOURCE_MODE=pushed: the mapped collections' snapshot freshness (absent in pull mode). */
  readonly snapshots?: () => Promise<readonly SnapshotFreshness[]>;
}

export interface NotifierTickResult {
  readonly delivery: DeliveryReport;
  /** Checks that failed this tick (their notifications wait for the next one); delivery ran anyway. */
  readonly watchErrors: readonly string[];
}

/**
 * One round of the notifier (the Functions timer, `serve`'s loop): look for newly dead-lettered jobs and stale
 * collector snapshots, then deliver what is due. A failing check (Azure Monitor down, no Monitoring Reader) must
 * not hold up the notifications already waiting.
 */
export async function runNotifierTick(notifications: Notifications, sources: NotifierSources, log: Logger): Promise<NotifierTickResult> {
  const watchErrors: string[] = [];
  const watch = async (what: string, check: () => Promise<void>) => {
    try {
      await check();
    } catch (error) {
      const message = `${what}: ${ensureError(error).message}`;
      watchErrors.push(message);
      log.warn("notifier could not check", { check: what, error: message });
    }
  };
  await watch("dead letters", () => notifications.watchDeadLetters(sources.queue));
  const { snapshots } = sources;
  if (snapshots !== undefined) await watch("snapshots", async () => notifications.watchSnapshots(await snapshots()));
  const delivery = await notifications.deliver();
  if (delivery.attempted > 0) log.info("notifier delivered notifications", { ...delivery });
  return { delivery, watchErrors };
}

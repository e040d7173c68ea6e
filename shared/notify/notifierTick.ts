import { ensureError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { JobQueue } from "../queue/jobQueue.js";
import type { DeliveryReport } from "./deliverNotifications.js";
import type { Notifications } from "./notifications.js";

export interface NotifierTickResult {
  readonly delivery: DeliveryReport;
  /** The dead-letter check failed (its notification waits for the next tick); delivery ran anyway. */
  readonly deadLetterCheckError: string | null;
}

/**
 * One round of the notifier (the Functions timer, `serve`'s loop): look for newly dead-lettered jobs, then
 * deliver what is due. A failing dead-letter read (Azure Monitor down, no Monitoring Reader) must not hold up
 * the notifications already waiting.
 */
export async function runNotifierTick(notifications: Notifications, queue: JobQueue, log: Logger): Promise<NotifierTickResult> {
  let deadLetterCheckError: string | null = null;
  try {
    await notifications.watchDeadLetters(queue);
  } catch (error) {
    deadLetterCheckError = ensureError(error).message;
    log.warn("notifier could not check the dead-letter count", { error: deadLetterCheckError });
  }
  const delivery = await notifications.deliver();
  if (delivery.attempted > 0) log.info("notifier delivered notifications", { ...delivery });
  return { delivery, deadLetterCheckError };
}

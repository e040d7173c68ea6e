import type { JobQueue } from "../core/ports/jobQueue.js";
import type { Notification } from "./notification.js";
import type { NotificationOutbox } from "./outbox.js";

const MARK = "deadLetters";

/**
 * "Dead letters appeared": compares the queue's dead-letter count with the count seen last time (kept beside
 * the outbox) and returns a notification when it rose. A count that falls (someone cleared the dead-letter
 * queue) is only remembered, so the next rise is news again. An unknown count (null) changes nothing. The mark
 * is written by ETag before the notification is returned, so two watchers never both report the same rise.
 */
export async function checkDeadLetters(deps: {
  readonly queue: JobQueue;
  readonly outbox: NotificationOutbox;
  readonly now: number;
}): Promise<Notification | null> {
  const count = await deps.queue.deadLetterCount();
  if (count === null) return null;
  const mark = await deps.outbox.readMark(MARK);
  const previous = mark?.value ?? 0;
  if (count === previous && mark !== null) return null;
  if (!(await deps.outbox.writeMark(MARK, count, mark?.etag ?? null))) return null;
  if (count <= previous) return null;
  const at = new Date(deps.now).toISOString();
  return {
    key: `dead-letters_${at.replace(/\D/g, "")}_${count}`,
    kind: "dead-letters",
    severity: "attention",
    at,
    title: `Sync jobs dead-lettered: ${count - previous} new, ${count} waiting`,
    text: "Sync jobs failed every delivery and were set aside in the queue's dead-letter queue. The next scheduler tick plans every mapping again; find the cause in the worker's exceptions (docs/operating.md).",
    facts: [
      { name: "Dead-lettered jobs", value: String(count) },
      { name: "New since last check", value: String(count - previous) },
    ],
    mapping: null,
    details: { deadLetterCount: count, previousCount: previous },
    actions: [],
  };
}

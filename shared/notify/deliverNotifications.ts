import type { Logger } from "../logger.js";
import type { Clock } from "../core/ports/clock.js";
import type { NotificationOutbox, OutboxEntry } from "./outbox.js";
import { renderNotification } from "./renderNotification.js";
import type { PostResult, WebhookPoster } from "./webhookPost.js";
import { describeReceiver, receiverId, type WebhookReceiver } from "../config/webhookReceiver.js";

export interface DeliveryPolicy {
  /** Delivery rounds per notification before giving up on the receivers that have not taken it. */
  readonly maxAttempts: number;
  /** First back-off (doubling each round) when the receiver sent no Retry-After. */
  readonly baseDelayMs: number;
  /** No wait is longer, Retry-After included. */
  readonly maxDelayMs: number;
  /** How long a deliverer holds an entry it is working on; a deliverer that dies frees it after this. */
  readonly claimMs: number;
  /** Sent and given-up entries are kept this long (health shows the last failure), then deleted. */
  readonly retentionMs: number;
  /** Entries handled per round, so one round stays short whatever piled up. */
  readonly batchSize: number;
}

/** 30 s, 1, 2, 4, 8, 16, 32 min: eight rounds over about an hour, then give up and say so. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 60 * 60_000,
  claimMs: 2 * 60_000,
  retentionMs: 7 * 24 * 60 * 60_000,
  batchSize: 50,
};

export interface DeliveryDeps {
  readonly receivers: readonly WebhookReceiver[];
  readonly outbox: NotificationOutbox;
  readonly post: WebhookPoster;
  readonly clock: Clock;
  readonly log: Logger;
  readonly policy: DeliveryPolicy;
}

export interface DeliveryReport {
  /** Entries a delivery round was made for. */
  attempted: number;
  sent: number;
  /** Entries that failed this round and wait for their next one. */
  retrying: number;
  gaveUp: number;
}

/**
 * One delivery round over the outbox: every due entry goes to the receivers that have not taken it yet, one
 * POST each (bounded by the poster's timeout), and is then marked sent, re-scheduled (Retry-After, else
 * exponential back-off) or given up. Entries are claimed by ETag first, so two deliverers never post the same
 * entry at once. Never throws for a receiver's failure: those are recorded on the entry for /api/health.
 */
export async function deliverNotifications(deps: DeliveryDeps): Promise<DeliveryReport> {
  const report: DeliveryReport = { attempted: 0, sent: 0, retrying: 0, gaveUp: 0 };
  const now = deps.clock.now();
  const entries = await deps.outbox.list();
  await pruneHistory(deps, entries, now);
  const due = entries
    .filter((entry) => entry.status === "pending" && entry.nextAttemptAt <= now)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .slice(0, deps.policy.batchSize);
  // A receiver that failed in this round is not tried again in it: a hanging receiver costs one timeout per
  // round, not one per waiting notification.
  const down = new Set<string>();
  for (const entry of due) {
    if (pendingReceivers(deps, entry).every((receiver) => down.has(receiverId(receiver)))) continue;
    const claimed = await deps.outbox.update({ ...entry, nextAttemptAt: now + deps.policy.claimMs });
    if (claimed === null) continue; // another deliverer has it
    report.attempted += 1;
    const next = await deliverEntry(deps, claimed, down);
    if (next.status === "sent") report.sent += 1;
    else if (next.status === "gave-up") report.gaveUp += 1;
    else report.retrying += 1;
    if ((await deps.outbox.update(next)) === null) {
      deps.log.warn("notification delivery record changed under this deliverer; keeping the other record", { key: entry.notification.key });
    }
  }
  return report;
}

function pendingReceivers(deps: DeliveryDeps, entry: OutboxEntry): WebhookReceiver[] {
  const done = new Set([...entry.deliveredTo, ...entry.gaveUpOn]);
  return deps.receivers.filter((receiver) => !done.has(receiverId(receiver)));
}

async function deliverEntry(deps: DeliveryDeps, entry: OutboxEntry, down: Set<string>): Promise<OutboxEntry> {
  const { notification } = entry;
  const delivered = [...entry.deliveredTo];
  const gaveUpOn = [...entry.gaveUpOn];
  let lastError: string | null = entry.lastError;
  let lastErrorAt: string | null = entry.lastErrorAt;
  let retryAfter = 0;
  let retryable = false;
  const attempts = entry.attempts + 1;
  const at = new Date(deps.clock.now()).toISOString();
  let waiting = false;
  for (const receiver of pendingReceivers(deps, entry)) {
    if (down.has(receiverId(receiver))) {
      waiting = true; // down this round: the next round tries it, and this entry's attempts do not count it
      continue;
    }
    const result: PostResult = await deps.post(receiver.url, renderNotification(receiver.format, notification));
    if (result.ok) {
      delivered.push(receiverId(receiver));
      continue;
    }
    lastError = `${describeReceiver(receiver)} ${result.error}`;
    lastErrorAt = at;
    const facts = {
      key: notification.key,
      kind: notification.kind,
      receiver: describeReceiver(receiver),
      status: result.status,
      attempt: attempts,
      error: result.error,
    };
    if (result.retry && attempts < deps.policy.maxAttempts) {
      retryable = true;
      down.add(receiverId(receiver));
      retryAfter = Math.max(retryAfter, result.retryAfterMs ?? 0);
      deps.log.warn("notification delivery failed; trying again later", facts);
    } else {
      gaveUpOn.push(receiverId(receiver));
      deps.log.error("notification delivery failed; giving up on this receiver", facts);
    }
  }
  const base = { ...entry, attempts, deliveredTo: delivered, gaveUpOn, lastAttemptAt: at, lastError, lastErrorAt };
  if (waiting && !retryable) return { ...entry, deliveredTo: delivered, gaveUpOn, nextAttemptAt: deps.clock.now() };
  if (retryable) {
    const wait = retryAfter > 0 ? retryAfter : deps.policy.baseDelayMs * 2 ** (attempts - 1);
    return { ...base, status: "pending", nextAttemptAt: deps.clock.now() + Math.min(wait, deps.policy.maxDelayMs) };
  }
  const status = gaveUpOn.length > 0 ? "gave-up" : "sent";
  if (status === "sent") deps.log.info("notification sent", { key: notification.key, kind: notification.kind, receivers: delivered.length });
  return { ...base, status, sentAt: status === "sent" ? at : entry.sentAt };
}

async function pruneHistory(deps: DeliveryDeps, entries: readonly OutboxEntry[], now: number): Promise<void> {
  const expired = entries.filter((entry) => entry.status !== "pending" && Date.parse(entry.createdAt) + deps.policy.retentionMs < now);
  if (expired.length > 0) await deps.outbox.remove(expired.map((entry) => entry.notification.key));
}

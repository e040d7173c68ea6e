import { ensureError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { Clock } from "../core/ports/clock.js";
import type { StateChangeSink } from "../core/ports/stateChanges.js";
import { checkDeadLetters } from "./deadLetterWatch.js";
import { deliverNotifications, type DeliveryPolicy, type DeliveryReport } from "./deliverNotifications.js";
import type { Notification } from "./notification.js";
import type { NotificationLinks } from "./notificationLinks.js";
import type { NotificationOutbox } from "./outbox.js";
import { stateChangeNotifications } from "./stateChanges.js";
import { checkStaleSnapshots, type SnapshotFreshness } from "./snapshotWatch.js";
import type { WebhookPoster } from "./webhookPost.js";
import { describeReceiver, type WebhookReceiver } from "../config/webhookReceiver.js";

/**
 * What the sync engine hands its state changes to (the core's StateChangeSink: rendered here into the
 * notifications they call for), and the collector's freshness check its notifications.
 */
export interface Notifier extends StateChangeSink {
  readonly links: NotificationLinks;
  /**
   * Stores notifications for delivery. Never throws and never waits for a receiver: a notification must not
   * slow down or fail a sync. A failure to store one is logged as an error.
   */
  publish(notifications: readonly Notification[]): Promise<void>;
}

/** `/api/health` → `notifications`. */
export interface NotificationHealth {
  /** Format and host of each receiver (never the URL: it carries the receiver's secret). */
  readonly receivers: readonly string[];
  /** Waiting for their first or next attempt. */
  readonly pending: number;
  /** Given up on in the retention window (a receiver refused them or never answered). */
  readonly gaveUp: number;
  readonly lastSentAt: string | null;
  readonly lastFailure: { readonly at: string; readonly kind: string; readonly key: string; readonly error: string } | null;
  /** The most recent delivery attempt failed: the receiver is down or refusing us now. */
  readonly failing: boolean;
}

export interface Notifications {
  readonly notifier: Notifier;
  /** One delivery round (the `notifier` timer, and `serve` every few seconds). */
  deliver(): Promise<DeliveryReport>;
  /** Compares the dead-letter count with the last one seen and stores a notification when it rose. */
  watchDeadLetters(queue: JobQueue): Promise<void>;
  /** Compares each pushed snapshot's freshness with the last one seen; stores a notification per change. */
  watchSnapshots(snapshots: readonly SnapshotFreshness[]): Promise<void>;
  health(): Promise<NotificationHealth>;
}

export interface NotificationsDeps {
  readonly receivers: readonly WebhookReceiver[];
  readonly outbox: NotificationOutbox;
  readonly post: WebhookPoster;
  readonly links: NotificationLinks;
  readonly clock: Clock;
  readonly log: Logger;
  readonly policy: DeliveryPolicy;
}

/** Notifications through an outbox table: stored by whoever sees a change, delivered by the notifier timer. */
export function createNotifications(deps: NotificationsDeps): Notifications {
  const { outbox, clock, log } = deps;
  const notifier: Notifier = {
    links: deps.links,
    async stateChanged(change) {
      const notifications = stateChangeNotifications(change, deps.links);
      if (notifications.length > 0) await notifier.publish(notifications);
    },
    async publish(notifications) {
      for (const notification of notifications) {
        try {
          const added = await outbox.add(notification, clock.now());
          log.info(added ? "notification queued" : "notification already queued", { key: notification.key, kind: notification.kind });
        } catch (error) {
          log.error("notification could not be queued", { key: notification.key, kind: notification.kind, error: ensureError(error).message });
        }
      }
    },
  };
  return {
    notifier,
    deliver: () => deliverNotifications(deps),
    async watchDeadLetters(queue) {
      const notification = await checkDeadLetters({ queue, outbox, now: clock.now() });
      if (notification !== null) await notifier.publish([notification]);
    },
    async watchSnapshots(snapshots) {
      await notifier.publish(await checkStaleSnapshots({ outbox, now: clock.now(), snapshots }));
    },
    async health() {
      const entries = await outbox.list();
      const failures = entries.filter((entry) => entry.lastErrorAt !== null).sort((a, b) => (b.lastErrorAt ?? "").localeCompare(a.lastErrorAt ?? ""));
      const latest = failures[0];
      const lastSentAt =
        entries
          .map((entry) => entry.sentAt)
          .filter((at): at is string => at !== null)
          .sort()
          .at(-1) ?? null;
      const lastFailure =
        latest === undefined || latest.lastErrorAt === null
          ? null
          : { at: latest.lastErrorAt, kind: latest.notification.kind, key: latest.notification.key, error: latest.lastError ?? "" };
      return {
        receivers: deps.receivers.map(describeReceiver),
        pending: entries.filter((entry) => entry.status === "pending").length,
        gaveUp: entries.filter((entry) => entry.status === "gave-up").length,
        lastSentAt,
        lastFailure,
        failing: lastFailure !== null && (lastSentAt === null || lastFailure.at >= lastSentAt),
      };
    },
  };
}

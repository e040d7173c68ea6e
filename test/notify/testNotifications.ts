import { silentLogger } from "../../shared/logger.js";
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from "../../shared/notify/deliverNotifications.js";
import type { NotificationLinks } from "../../shared/notify/notificationLinks.js";
import { createNotifications, type Notifications } from "../../shared/notify/notifications.js";
import type { NotificationOutbox } from "../../shared/notify/outbox.js";
import { createWebhookPoster } from "../../shared/notify/webhookPost.js";
import type { WebhookReceiver } from "../../shared/config/webhookReceiver.js";
import type { Clock } from "../../shared/core/ports/clock.js";

/** Notifications as the composition root builds them: the real poster (with a short timeout) and an outbox in Azurite. */
export function testNotifications(options: {
  readonly receivers: readonly WebhookReceiver[];
  readonly outbox: NotificationOutbox;
  readonly clock: Clock;
  readonly timeoutMs?: number;
  readonly links?: NotificationLinks;
  readonly policy?: Partial<DeliveryPolicy>;
}): Notifications {
  return createNotifications({
    receivers: options.receivers,
    outbox: options.outbox,
    post: createWebhookPoster({ timeoutMs: options.timeoutMs ?? 2_000, now: () => options.clock.now() }),
    links: options.links ?? { baseUrl: null },
    clock: options.clock,
    log: silentLogger,
    policy: { ...DEFAULT_DELIVERY_POLICY, ...options.policy },
  });
}

import { genericJsonBody } from "./formats/genericJson.js";
import { slackWebhookBody } from "./formats/slackWebhook.js";
import { teamsWorkflowBody } from "./formats/teamsWorkflow.js";
import type { Notification } from "./notification.js";
import type { ReceiverFormat } from "../config/webhookReceiver.js";

/** The POST body for a receiver of the given format. */
export function renderNotification(format: ReceiverFormat, notification: Notification): unknown {
  switch (format) {
    case "teams":
      return teamsWorkflowBody(notification);
    case "slack":
      return slackWebhookBody(notification);
    case "json":
      return genericJsonBody(notification);
  }
}

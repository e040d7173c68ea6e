import { createHash } from "node:crypto";

/**
 * What a receiver expects in the POST body:
 * - `teams`: Teams Workflows / Power Automate "When a Teams webhook request is received" (an Adaptive Card in a
 *   `message` envelope with `attachments`), also what the retired Office 365 connector webhooks took;
 * - `slack`: Slack incoming webhooks (`text` plus Block Kit `blocks`);
 * - `json`: the product's own event document, for any other receiver (Logic Apps, an ITSM, a script).
 */
export type ReceiverFormat = "teams" | "slack" | "json";
export const RECEIVER_FORMATS: readonly ReceiverFormat[] = ["teams", "slack", "json"];

export interface WebhookReceiver {
  readonly format: ReceiverFormat;
  /** The full URL. It usually carries a signature (`sig=`) or a token in its path: a secret, never logged. */
  readonly url: string;
}

/**
 * Hosts whose webhooks are known (docs/operating.md, "Notifications"): Power Automate / Teams Workflows URLs
 * live on `*.logic.azure.com` (older flows) and `*.environment.api.powerplatform.com` (flows since 2025), and
 * also appear as `api.powerautomate.com`, `api.powerplatform.com`, `flow.microsoft.com`; the retired Office 365
 * connectors on `*.webhook.office.com`; Slack on `hooks.slack.com`. Anything else gets the generic JSON document
 * unless the URL is prefixed with its format (`teams:https://…`).
 */
const HOST_FORMATS: ReadonlyArray<{ readonly suffix: string; readonly format: ReceiverFormat }> = [
  { suffix: "hooks.slack.com", format: "slack" },
  { suffix: "logic.azure.com", format: "teams" },
  { suffix: "powerplatform.com", format: "teams" },
  { suffix: "powerautomate.com", format: "teams" },
  { suffix: "flow.microsoft.com", format: "teams" },
  { suffix: "webhook.office.com", format: "teams" },
];

export function detectFormat(url: URL): ReceiverFormat {
  const host = url.hostname.toLowerCase();
  return HOST_FORMATS.find(({ suffix }) => host === suffix || host.endsWith(`.${suffix}`))?.format ?? "json";
}

/** A stable short id of a receiver, to remember which receivers already took an event (the URL itself is secret). */
export function receiverId(receiver: WebhookReceiver): string {
  return createHash("sha256").update(receiver.url).digest("hex").slice(0, 12);
}

/** How logs and /api/health name a receiver: its format and host, never the path or query (they hold the secret). */
export function describeReceiver(receiver: WebhookReceiver): string {
  return `${receiver.format} ${new URL(receiver.url).host}`;
}

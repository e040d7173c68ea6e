import type { Notification, Severity } from "../notification.js";

const MARKS: Readonly<Record<Severity, string>> = { attention: ":rotating_light:", warning: ":warning:", good: ":white_check_mark:" };
/** Block Kit limits: a header's plain text ≤ 150 characters, a section field ≤ 2,000, at most 10 fields. */
const HEADER_CHARS = 150;
const FIELD_CHARS = 2000;
const MAX_FIELDS = 10;

/**
 * Slack treats &, < and > as control characters (`<!channel>`, `<url|text>`) in every text it parses, the
 * top-level `text` included; only those three are escaped, as entities. Everything we did not write ourselves
 * goes through here (docs/service-facts.md "Notification receivers").
 */
function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Slack incoming webhooks: `text` is the notification fallback (and what older clients show), `blocks` the
 * message. Links go inline (`<url|title>`): link buttons in a webhook message without an app behind them
 * show a warning when clicked.
 */
export function slackWebhookBody(notification: Notification): unknown {
  const links = notification.actions.filter((action) => action.url !== undefined).map((action) => `<${action.url}|${escape(action.title)}>`);
  const commands = notification.actions
    .filter((action) => action.command !== undefined)
    .map((action) => `*${escape(action.title)}*: \`${escape(action.command ?? "")}\``);
  const blocks: unknown[] = [
    { type: "header", text: { type: "plain_text", text: notification.title.slice(0, HEADER_CHARS) } },
    { type: "section", text: { type: "mrkdwn", text: `${MARKS[notification.severity]} ${escape(notification.text)}` } },
  ];
  if (notification.facts.length > 0) {
    const fields = notification.facts
      .slice(0, MAX_FIELDS)
      .map((fact) => ({ type: "mrkdwn", text: `*${escape(fact.name)}*\n${escape(fact.value)}`.slice(0, FIELD_CHARS) }));
    blocks.push({ type: "section", fields });
  }
  const footer = [...links, ...commands];
  if (footer.length > 0) blocks.push({ type: "section", text: { type: "mrkdwn", text: footer.join("\n") } });
  return { text: escape(`${notification.title}: ${notification.text}`), blocks };
}

import type { Notification, Severity } from "../notification.js";

const COLORS: Readonly<Record<Severity, string>> = { attention: "Attention", warning: "Warning", good: "Good" };

/**
 * Teams Workflows / Power Automate "When a Teams webhook request is received": the flow's "Post card in a chat
 * or channel" step reads `attachments[0].content`, an Adaptive Card, from a `message` envelope (the shape the
 * retired Office 365 connector webhooks took too). Version 1.4 renders in every Teams client; links are
 * Action.OpenUrl buttons, commands monospace text.
 */
export function teamsWorkflowBody(notification: Notification): unknown {
  const links = notification.actions.filter((action) => action.url !== undefined);
  const commands = notification.actions.filter((action) => action.command !== undefined);
  const body: unknown[] = [
    { type: "TextBlock", text: notification.title, weight: "Bolder", size: "Medium", wrap: true, style: "heading", color: COLORS[notification.severity] },
    { type: "TextBlock", text: notification.text, wrap: true },
    { type: "FactSet", facts: notification.facts.map((fact) => ({ title: fact.name, value: fact.value })) },
    ...commands.flatMap((action) => [
      { type: "TextBlock", text: action.title, weight: "Bolder", spacing: "Medium", wrap: true },
      { type: "TextBlock", text: action.command, fontType: "Monospace", wrap: true, spacing: "None" },
    ]),
  ];
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          body,
          ...(links.length === 0 ? {} : { actions: links.map((action) => ({ type: "Action.OpenUrl", title: action.title, url: action.url })) }),
        },
      },
    ],
  };
}

import type { Notification, Severity } from "../notification.js";

const COLORS: Readonly<Record<Severity, string>> = { attention: "Attention", warning: "Warning", good: "Good" };

/** Inline markdown: emphasis, code, links, autolinks, entities, and the backslash itself. */
const INLINE_MARKUP = /[\\`*_~[\]<>&]/g;
/** Block markup that counts only where a line starts and a space follows: lists (`- `, `+ `, `1. `, `1) `) and headings. */
const LINE_START_MARKUP = /^([ \t]*)([-+#]|\d+[.)])(?=[ \t]|$)/gm;

/**
 * TextBlock text and Fact titles and values are read as a CommonMark subset (bold, italic, lists, links), so a
 * collection named `[Approve now](https://…)` would become a link: every metacharacter of ours-not-written text
 * gets CommonMark's backslash escape (docs/service-facts.md "Notification receivers").
 */
function escape(text: string): string {
  return text
    .replace(INLINE_MARKUP, "\\$&")
    .replace(LINE_START_MARKUP, (_, indent: string, marker: string) => `${indent}${marker.replace(/^(\d*)(.)$/, "$1\\$2")}`);
}

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
    {
      type: "TextBlock",
      text: escape(notification.title),
      weight: "Bolder",
      size: "Medium",
      wrap: true,
      style: "heading",
      color: COLORS[notification.severity],
    },
    { type: "TextBlock", text: escape(notification.text), wrap: true },
    { type: "FactSet", facts: notification.facts.map((fact) => ({ title: escape(fact.name), value: escape(fact.value) })) },
    ...commands.flatMap((action) => [
      { type: "TextBlock", text: escape(action.title), weight: "Bolder", spacing: "Medium", wrap: true },
      { type: "TextBlock", text: escape(action.command ?? ""), fontType: "Monospace", wrap: true, spacing: "None" },
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

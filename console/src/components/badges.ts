import type { MappingStatusCode } from "../types.js";
import { html, type VNode } from "../vendor/htm-preact.js";

const TONES: Record<string, string> = {
  healthy: "ok",
  succeeded: "ok",
  "skipped-unchanged": "ok",
  preview: "info",
  "never-run": "info",
  disabled: "muted",
  degraded: "warn",
  stale: "warn",
  partial: "warn",
  blocked: "warn",
  rescheduled: "warn",
  failing: "bad",
  unhealthy: "bad",
  failed: "bad",
  quarantined: "bad",
};

/**
 * A status with a tone: `code` picks the colour, `text` (the API's label) is what is read. The words carry
 * the meaning; colour is never the only cue.
 */
export function Badge({ text, code }: { text: string; code?: string }): VNode {
  return html`<span class=${`badge badge-${TONES[code ?? text] ?? "info"}`}>${text}</span>`;
}

/** A mapping's state as one badge: never run, disabled, blocked, quarantined, degraded, failing, stale, healthy. */
export function StatusBadge({ status, label }: { status: MappingStatusCode; label: string }): VNode {
  return html`<${Badge} code=${status} text=${label} />`;
}

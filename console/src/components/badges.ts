import { html, type VNode } from "../vendor/htm-preact.js";

const TONES: Record<string, string> = {
  healthy: "ok",
  succeeded: "ok",
  "skipped-unchanged": "ok",
  preview: "info",
  degraded: "warn",
  partial: "warn",
  blocked: "warn",
  rescheduled: "warn",
  unhealthy: "bad",
  failed: "bad",
  quarantined: "bad",
};

/** A status word with a tone; the word itself carries the meaning (colour is never the only cue). */
export function Badge({ text }: { text: string }): VNode {
  return html`<span class=${`badge badge-${TONES[text] ?? "info"}`}>${text}</span>`;
}

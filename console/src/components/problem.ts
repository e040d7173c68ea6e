import { ApiError } from "../api.js";
import { html, type VNode } from "../vendor/htm-preact.js";

/** An API problem as the admin reads it: its title and detail, and field errors; never a blank page. */
export function ProblemView({ error, children }: { error: unknown; children?: unknown }): VNode {
  const problem = error instanceof ApiError ? error : null;
  const title = problem?.title ?? "Something went wrong";
  const detail = problem?.detail ?? (error instanceof Error ? error.message : String(error));
  return html`<div class="problem" role="alert">
    <p class="problem-title"><strong>${title}</strong>${problem && problem.status > 0 ? html` <span class="muted">(HTTP ${problem.status})</span>` : null}</p>
    ${detail ? html`<p>${detail}</p>` : null}
    ${
      problem && problem.fieldErrors.length > 0
        ? html`<ul>${problem.fieldErrors.map((e) => html`<li>${[e.name, e.message].filter(Boolean).join(": ")}</li>`)}</ul>`
        : null
    }
    ${children}
  </div>`;
}

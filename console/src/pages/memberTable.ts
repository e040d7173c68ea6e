import { reasonText } from "../format.js";
import type { Member } from "../types.js";
import { html, type VNode } from "../vendor/htm-preact.js";

/** Members with their outcome, reason and ids (a run's report, or what a preview would do). */
export function MemberTable({ members, label }: { members: readonly Member[]; label: string }): VNode {
  return html`<div class="table-wrap"><table aria-label=${label}>
    <thead><tr>
      <th scope="col">Outcome</th><th scope="col">Reason</th><th scope="col">Name</th><th scope="col">ResourceID</th>
      <th scope="col">Entra id</th><th scope="col">Object id</th><th scope="col">Error</th>
    </tr></thead>
    <tbody>
      ${members.map((m) => html`<tr>
        <td>${m.outcome}</td>
        <td>${reasonText(m.reason)}</td>
        <td>${m.name ?? html`<span class="muted">not in the collection</span>`}</td>
        <td class="mono">${m.resourceId ?? ""}</td>
        <td class="mono">${m.entraId ?? ""}</td>
        <td class="mono">${m.objectId ?? ""}</td>
        <td>${m.error ?? ""}</td>
      </tr>`)}
    </tbody>
  </table></div>`;
}

import { ObjectId } from "../components/objectId.js";
import { ScrollTable } from "../components/scrollTable.js";
import type { MemberView } from "../types.js";
import { html, type VNode } from "../vendor/htm-preact.js";

/**
 * Members with their outcome, reason, name and ids (a run's report, what a preview would do, what an approval
 * lets through). The name comes first after the outcome: it is what a person decides on; ids are for look-ups.
 */
export function MemberTable({ members, label }: { members: readonly MemberView[]; label: string }): VNode {
  return html`<${ScrollTable} label=${label}><table aria-label=${label} class="members">
    <thead><tr>
      <th scope="col">Outcome</th><th scope="col">Name</th><th scope="col">Reason</th><th scope="col">ResourceID</th>
      <th scope="col">Entra id</th><th scope="col">Object id</th><th scope="col">Error</th>
    </tr></thead>
    <tbody>
      ${members.map(
        (m) => html`<tr class=${`outcome-${m.outcome}`}>
        <td data-label="Outcome">${m.outcomeLabel}</td>
        <td data-label="Name">${m.name ?? html`<span class="muted">no name known</span>`}</td>
        <td data-label="Reason">${m.reasonLabel ?? ""}</td>
        <td data-label="ResourceID" class="mono">${m.resourceId ?? ""}</td>
        <td data-label="Entra id"><${ObjectId} id=${m.entraId} label="Entra id" /></td>
        <td data-label="Object id"><${ObjectId} id=${m.objectId} label="object id" /></td>
        <td data-label="Error">${m.error ?? ""}</td>
      </tr>`,
      )}
    </tbody>
  </table></${ScrollTable}>`;
}

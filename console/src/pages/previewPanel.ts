import type { PreviewView } from "../types.js";
import { html, useEffect, useRef, type VNode } from "../vendor/htm-preact.js";
import { MemberTable } from "./memberTable.js";

/** "3 members", "1 member". */
export const members = (n: number): string => `${n.toLocaleString()} member${n === 1 ? "" : "s"}`;

/** What a sync would do, in one sentence that agrees with the numbers it shows. */
export function previewSentence(p: PreviewView): string {
  const parts = [`Would add ${members(p.wouldAdd)} and remove ${p.wouldRemove.toLocaleString()}`];
  if (p.heldBack > 0) parts.push(`; ${members(p.heldBack)} would be held back (${p.blockedByLabel ?? p.blockedBy ?? "a safety guard"}) until someone approves`);
  parts.push(`; ${p.preview.skippedCount.toLocaleString()} skipped.`);
  return parts.join("");
}

/**
 * A dry run's result, named member by member. Focus moves to its heading when it appears, so keyboard and
 * screen reader users land on the result instead of the top of the page.
 */
export function PreviewPanel(props: { preview: PreviewView; title: string; id: string; label?: string; note?: string; children?: unknown }): VNode {
  const { preview, title, id, label = "Preview members", note = "Nothing has been written." } = props;
  const heading = useRef<HTMLHeadingElement | null>(null);
  useEffect(() => heading.current?.focus(), [preview]);
  return html`<section aria-labelledby=${id} class="panel">
    <h2 id=${id} tabindex="-1" ref=${heading}>${title}</h2>
    <p><strong>${previewSentence(preview)}</strong> ${note}</p>
    ${preview.preview.truncated ? html`<p class="muted">The list shows the first ${preview.preview.members.length.toLocaleString()} members; the counts are exact.</p>` : null}
    ${preview.preview.members.length > 0 ? html`<${MemberTable} members=${preview.preview.members} label=${label} />` : null}
    ${props.children}
  </section>`;
}

import { html, useState, type VNode } from "../vendor/htm-preact.js";

/**
 * A GUID or other id on one line: monospace, cut with an ellipsis when the column is narrow (the full id in the
 * tooltip), and a button that copies it, so a 36-character id never wraps over three lines.
 */
export function ObjectId({ id, label = "id" }: { id: string | null; label?: string }): VNode | null {
  const [copied, setCopied] = useState(false);
  if (id === null || id === "") return null;
  const copy = () => {
    navigator.clipboard?.writeText(id).then(
      () => {
        setCopied(true);
        window.setTimeout(() => setCopied(false), 1500);
      },
      () => setCopied(false),
    );
  };
  return html`<span class="object-id"><span class="mono id-text" title=${id}>${id}</span><button type="button" class="copy"
    aria-label=${copied ? `Copied ${label} ${id}` : `Copy ${label} ${id}`} title=${copied ? "Copied" : `Copy ${label}`} onClick=${copy}>${copied ? "✓" : "⧉"}</button></span>`;
}

import { html, useState, type VNode } from "../vendor/htm-preact.js";

/** Two overlapping sheets, drawn (not a font glyph, which the system font may lack). */
const COPY_ICON = html`<svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false" class="icon">
  <rect x="5" y="5" width="9" height="9" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.6" />
  <path d="M3 11V3.5A1.5 1.5 0 0 1 4.5 2H11" fill="none" stroke="currentColor" stroke-width="1.6" /></svg>`;

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
    aria-label=${copied ? `Copied ${label} ${id}` : `Copy ${label} ${id}`} title=${copied ? "Copied" : `Copy ${label}`} onClick=${copy}>${copied ? "✓" : COPY_ICON}</button></span>`;
}

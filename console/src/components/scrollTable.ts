import { html, useEffect, useRef, useState, type VNode } from "../vendor/htm-preact.js";

/**
 * A table's frame. When the table is wider than the window, the frame scrolls sideways and says so in words,
 * and can be scrolled with the keyboard (it takes focus); the first column stays in view. Narrow windows
 * (CSS `stacked`) lay each row out as a card of "column: value" lines instead.
 */
export function ScrollTable({ label, children, stacked = true }: { label: string; children?: unknown; stacked?: boolean }): VNode {
  const frame = useRef<HTMLDivElement | null>(null);
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const element = frame.current;
    if (element === null) return;
    const measure = () => setOverflows(element.scrollWidth > element.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    const table = element.firstElementChild;
    if (table !== null) observer.observe(table);
    return () => observer.disconnect();
  }, []);
  return html`<div class=${`table-frame${stacked ? " stacked" : ""}`}>
    ${overflows ? html`<p class="scroll-hint" aria-hidden="true">Scroll sideways for more columns →</p>` : null}
    <div class=${`table-wrap${overflows ? " overflowing" : ""}`} ref=${frame} tabindex=${overflows ? 0 : undefined}
      role=${overflows ? "region" : undefined} aria-label=${overflows ? `${label} (scrolls sideways)` : undefined}>${children}</div>
  </div>`;
}

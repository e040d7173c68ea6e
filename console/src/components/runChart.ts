import { html, type VNode } from "../vendor/htm-preact.js";
import { skippedTotal, type Run } from "../types.js";

const SERIES = [
  { key: "added", label: "Added", className: "series-added" },
  { key: "removed", label: "Removed", className: "series-removed" },
  { key: "skipped", label: "Skipped", className: "series-skipped" },
] as const;

const WIDTH = 640;
const HEIGHT = 180;
const PAD = 28;

/** Added / removed / skipped per run, oldest left: grouped bars in plain SVG, described in text for screen readers. */
export function RunChart({ runs }: { runs: readonly Run[] }): VNode {
  const shown = [...runs].reverse();
  const values = shown.map((run) => ({ added: run.counts.added, removed: run.counts.removed, skipped: skippedTotal(run.counts) }));
  const max = Math.max(1, ...values.flatMap((v) => [v.added, v.removed, v.skipped]));
  const slot = shown.length === 0 ? 0 : (WIDTH - PAD * 2) / shown.length;
  const bar = Math.max(1, Math.min(14, slot / 4));
  const y = (n: number) => HEIGHT - PAD - ((HEIGHT - PAD * 2) * n) / max;
  const summary = `Members added, removed and skipped in the last ${shown.length} runs; at most ${max} in one run.`;
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label=${summary} focusable="false">
      <line x1=${PAD} y1=${HEIGHT - PAD} x2=${WIDTH - PAD} y2=${HEIGHT - PAD} class="axis" />
      <text x=${4} y=${PAD} class="axis-label">${max}</text>
      <text x=${4} y=${HEIGHT - PAD} class="axis-label">0</text>
      ${values.map((v, i) =>
        SERIES.map((series, s) => {
          const n = v[series.key];
          const x = PAD + i * slot + slot / 2 - (bar * 3) / 2 + s * bar;
          return html`<rect x=${x} y=${y(n)} width=${bar} height=${HEIGHT - PAD - y(n)} class=${series.className}><title>${series.label}: ${n}</title></rect>`;
        }),
      )}
    </svg>
    <figcaption>
      ${SERIES.map((series) => html`<span class="legend"><span class=${`swatch ${series.className}`} aria-hidden="true"></span>${series.label}</span>`)}
      <span class="muted"> — oldest run on the left</span>
    </figcaption>
  </figure>`;
}

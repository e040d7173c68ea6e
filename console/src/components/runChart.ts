import { countsOf, skippedTotal, type RunView } from "../types.js";
import { html, type VNode } from "../vendor/htm-preact.js";

const SERIES = [
  { key: "added", label: "Added", className: "series-added" },
  { key: "removed", label: "Removed", className: "series-removed" },
  { key: "skipped", label: "Skipped", className: "series-skipped" },
] as const;

const WIDTH = 640;
const HEIGHT = 200;
const LEFT = 40;
const RIGHT = 16;
const TOP = 14;
const BOTTOM = 40;
const TICKS = 5;

/** Tick text: the time of day (with seconds under 10 minutes) within a day, else the date (and time under 3 days). */
function tickText(at: number, span: number): string {
  const date = new Date(at);
  if (span < 600_000) return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  if (span < 86_400_000) return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (span < 3 * 86_400_000) return date.toLocaleString(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });
  return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

/**
 * Added / removed / skipped per run, placed on a time axis by the run's start (gaps in the schedule show as
 * gaps), in plain SVG, described in text for screen readers.
 */
export function RunChart({ runs }: { runs: readonly RunView[] }): VNode {
  const points = runs
    .map((run) => {
      const counts = countsOf(run.counts);
      return {
        at: Date.parse(run.startedAt),
        added: counts.added,
        removed: counts.removed,
        skipped: skippedTotal(counts),
        label: run.statusLabel ?? run.status,
      };
    })
    .filter((p) => Number.isFinite(p.at));
  const first = Math.min(...points.map((p) => p.at));
  const last = Math.max(...points.map((p) => p.at));
  const span = Math.max(last - first, 60_000);
  const max = Math.max(1, ...points.flatMap((p) => [p.added, p.removed, p.skipped]));
  const plot = WIDTH - LEFT - RIGHT;
  const bar = Math.max(1.5, Math.min(10, plot / Math.max(points.length, 1) / 4));
  const x = (at: number) => LEFT + bar * 1.5 + ((plot - bar * 3) * (at - first)) / span;
  const y = (n: number) => HEIGHT - BOTTOM - ((HEIGHT - TOP - BOTTOM) * n) / max;
  const ticks = Array.from({ length: TICKS }, (_, i) => first + (span * i) / (TICKS - 1));
  const summary = `Members added, removed and skipped in ${points.length} runs from ${new Date(first).toLocaleString()} to ${new Date(last).toLocaleString()}; at most ${max} in one run.`;
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label=${summary} focusable="false">
      <line x1=${LEFT} y1=${HEIGHT - BOTTOM} x2=${WIDTH - RIGHT} y2=${HEIGHT - BOTTOM} class="axis" />
      <line x1=${LEFT} y1=${TOP} x2=${LEFT} y2=${HEIGHT - BOTTOM} class="axis" />
      <text x=${LEFT - 4} y=${TOP + 4} class="axis-label" text-anchor="end">${max}</text>
      <text x=${LEFT - 4} y=${HEIGHT - BOTTOM} class="axis-label" text-anchor="end">0</text>
      ${ticks.map(
        (at, i) => html`<g class="tick">
        <line x1=${x(at)} y1=${HEIGHT - BOTTOM} x2=${x(at)} y2=${HEIGHT - BOTTOM + 4} class="axis" />
        <text x=${x(at)} y=${HEIGHT - BOTTOM + 16} class="axis-label" text-anchor=${i === 0 ? "start" : i === TICKS - 1 ? "end" : "middle"}>${tickText(at, span)}</text>
      </g>`,
      )}
      <text x=${LEFT + plot / 2} y=${HEIGHT - 6} class="axis-label" text-anchor="middle">run start time</text>
      ${points.map((p) =>
        SERIES.map((series, s) => {
          const n = p[series.key];
          return html`<rect x=${x(p.at) - (bar * 3) / 2 + s * bar} y=${y(n)} width=${bar} height=${HEIGHT - BOTTOM - y(n)} class=${series.className}>
            <title>${new Date(p.at).toLocaleString()} (${p.label}): ${series.label} ${n}</title></rect>`;
        }),
      )}
    </svg>
    <figcaption>
      ${SERIES.map((series) => html`<span class="legend"><span class=${`swatch ${series.className}`} aria-hidden="true"></span>${series.label}</span>`)}
      <span class="muted"> — by the time each run started</span>
    </figcaption>
  </figure>`;
}

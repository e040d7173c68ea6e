/** The bench's two outputs: a table for people, one JSON document (`--json`) for machines. */
import type { ScenarioFigures, Target } from "./figures.js";

export interface BenchReport {
  readonly scenarios: Record<string, ScenarioFigures>;
  readonly targets: Target[];
  readonly settings: Record<string, unknown>;
}

const COLUMNS: ReadonlyArray<[string, (f: ScenarioFigures) => string]> = [
  ["Graph HTTP", (f) => count(f.graphRequests)],
  ["Graph reads", (f) => count(f.graphReads)],
  ["Graph writes", (f) => count(f.graphWrites)],
  ["429s", (f) => count(f.throttled)],
  ["AdminService", (f) => count(f.adminServiceRequests)],
  ["Tables", (f) => (f.tableRequests === undefined ? "—" : count(f.tableRequests))],
  ["wall", (f) => seconds(f.wallMs)],
  ["write phase", (f) => seconds(f.writePhaseMs)],
  ["throttle min", (f) => seconds(f.throttleMinMs)],
  ["peak RSS", (f) => (f.peakRssMiB === null ? "—" : `${f.peakRssMiB.toFixed(0)} MiB`)],
  ["peak heap", (f) => (f.peakHeapMiB === null ? "—" : `${f.peakHeapMiB.toFixed(0)} MiB`)],
];

const LABELS: Record<string, string> = {
  S1: "S1 initial sync",
  S2: "S2 unchanged tick",
  S3: "S3 after joins",
  S4: "S4 scheduler tick",
  S4u: "S4 unchanged runs (tick + jobs)",
  S1u: "S1u initial user sync",
  S3u: "S3u after user joins",
  S5: "S5 8 instances, one tenant",
  naiveS1: "naive S1 (extrapolated)",
  S9: "S9 change → group (p95)",
};

export function formatTable(report: BenchReport, notes: readonly string[]): string {
  const header = ["scenario", ...COLUMNS.map(([name]) => name)];
  const rows = Object.entries(report.scenarios).map(([key, figures]) => [LABELS[key] ?? key, ...COLUMNS.map(([, cell]) => cell(figures))]);
  const lines = [markdownTable(header, rows), ""];
  const targetRows = report.targets.map((t) => [t.name, String(t.value), `${t.comparison} ${t.limit}`, t.holds ? (t.note ? `n/a` : "holds") : "MISSED"]);
  lines.push(markdownTable(["target", "value", "limit", "result"], targetRows), "");
  for (const target of report.targets) if (target.note) lines.push(`- ${target.name}: ${target.note}`);
  for (const note of notes) lines.push(`- ${note}`);
  return lines.join("\n");
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function seconds(ms: number): string {
  return ms === 0 ? "0" : ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

import type { SyncRun } from "../shared/core/syncRun.js";

/** A fixed-width table for terminals; JSON output is the machine-readable form. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function skippedText(run: SyncRun): string {
  const parts = Object.entries(run.counts.skipped)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${reason}`);
  return parts.length === 0 ? "0" : parts.join(", ");
}

/** The per-mapping summary `sync` prints: what an admin checks after a run. */
export function runSummary(run: SyncRun): string {
  const lines = [
    `${run.collectionId} → ${run.groupId} [${run.mode}]: ${run.status}`,
    `  added ${run.counts.added}, already present ${run.counts.alreadyPresent}, removed ${run.counts.removed}, failed ${run.counts.failed}`,
    `  skipped: ${skippedText(run)}`,
    `  collection members ${run.counts.source}, resolved ${run.counts.resolved}, group members before ${run.counts.groupBefore}`,
    `  Graph requests ${run.graphRequests}, AdminService requests ${run.adminServiceRequests}, duration ${run.durationMs} ms`,
  ];
  if (run.status !== "succeeded" && run.status !== "skipped-unchanged") lines.push(`  ${run.message}`);
  for (const error of run.errors.slice(0, 5)) lines.push(`  error ${error.code}${error.id ? ` (${error.id})` : ""}: ${error.message}`);
  if (run.preview) {
    lines.push(`  would add (${run.preview.toAdd.length}): ${abbreviate(run.preview.toAdd)}`);
    lines.push(`  would remove (${run.preview.toRemove.length}): ${abbreviate(run.preview.toRemove)}`);
    for (const skipped of run.preview.skipped.slice(0, 20)) lines.push(`  skip ${skipped.name} (ResourceID ${skipped.resourceId}): ${skipped.reason}`);
    if (run.preview.skipped.length > 20) lines.push(`  … and ${run.preview.skipped.length - 20} more skipped`);
  }
  return lines.join("\n");
}

function abbreviate(ids: readonly string[]): string {
  if (ids.length === 0) return "-";
  const shown = ids.slice(0, 10).join(", ");
  return ids.length > 10 ? `${shown}, … (+${ids.length - 10})` : shown;
}

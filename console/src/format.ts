/** Dates and words as an admin reads them. */
import { labelOf, SKIP_REASON_LABELS } from "../../shared/core/labels.js";

export function when(iso: string | null): string {
  if (iso === null) return "never";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function ago(iso: string | null, now = Date.now()): string {
  if (iso === null) return "never";
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return iso;
  if (seconds < 30) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

export const MODE_SENTENCES: Record<string, string> = {
  additive: "Adds collection members to the group and never removes anyone (ConfigMgr's original Cloud Sync).",
  managed: "Adds collection members and removes only members this app added once they leave the collection; members added by hand stay.",
  mirror: "Makes the group equal the collection: adds what is missing and removes everyone else, including members added by hand.",
};

export function reasonText(reason: string | null): string {
  return labelOf(SKIP_REASON_LABELS, reason) ?? "";
}

/** "12,345" in the reader's locale; "–" for a size not known yet. */
export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : n.toLocaleString();
}

/** What a run changed, in a few characters: "+4 −1 3 held back 2 failed" ("" when nothing). */
export function runChanges(run: { added: number; removed: number; heldBack: number; failed: number }): string {
  return [
    run.added > 0 ? `+${run.added}` : "",
    run.removed > 0 ? `−${run.removed}` : "",
    run.heldBack > 0 ? `${run.heldBack} held back` : "",
    run.failed > 0 ? `${run.failed} failed` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

/**
 * A run's outcome in a sentence for the console. A blocked run's own message tells API and CLI users how to
 * approve; the console offers the Approve button instead.
 */
export function runSentence(run: { status: string; message: string; blockedBy?: string | null; blockedByLabel?: string | null }): string {
  if (run.status !== "blocked") return run.message;
  return `Removals held back (${run.blockedByLabel ?? run.blockedBy ?? "a safety guard"}); nothing was removed.`;
}

import { setImmediate } from "node:timers/promises";
import { labelOf, MEMBER_OUTCOME_LABELS, SKIP_REASON_LABELS } from "../core/labels.js";
import type { MemberReportEntry } from "../core/syncRun.js";

export const MEMBER_CSV_COLUMNS = ["outcome", "reason", "resourceId", "name", "entraId", "objectId", "error", "outcomeLabel", "reasonLabel"] as const;

/** Tells Excel the file is UTF-8 (without it, non-ASCII device and user names come out garbled). */
export const UTF8_BOM = "\uFEFF";
const ROWS_PER_CHUNK = 500;

/**
 * Text a spreadsheet would run as a formula (OWASP "CSV injection"): a leading = + - @, a tab, CR or LF, and the
 * fullwidth ＝ ＋ － ＠ that spreadsheets in East Asian locales read as the same operators. Names and Graph's
 * errors come from outside, so such a field gets a leading apostrophe.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * One row per member, RFC 4180 (CRLF line ends, a field holding a comma, quote, CR or LF quoted, its quotes
 * doubled), after a UTF-8 BOM and a header row, yielded a few hundred rows at a time so a 100,000-member report
 * is streamed, never built as one string.
 */
export function* memberCsvChunks(entries: readonly MemberReportEntry[]): Generator<string> {
  let lines = [`${UTF8_BOM}${MEMBER_CSV_COLUMNS.join(",")}`];
  for (const entry of entries) {
    lines.push(row(entry));
    if (lines.length >= ROWS_PER_CHUNK) {
      yield `${lines.join("\r\n")}\r\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join("\r\n")}\r\n`;
}

export function membersCsv(entries: readonly MemberReportEntry[]): string {
  return [...memberCsvChunks(entries)].join("");
}

/**
 * The CSV as bytes, made a chunk at a time with a turn for other requests in between (a 100,000-member report is
 * ~11 MB: made in one go it would hold the event loop for a noticeable moment). Kept by the caller, so many
 * downloads of one report cost one encoding.
 */
export async function memberCsvBytes(entries: readonly MemberReportEntry[]): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for (const text of memberCsvChunks(entries)) {
    chunks.push(Buffer.from(text, "utf8"));
    await setImmediate();
  }
  return chunks;
}

function row(entry: MemberReportEntry): string {
  return [
    entry.outcome,
    entry.reason,
    entry.resourceId === null ? null : String(entry.resourceId),
    entry.name,
    entry.entraId,
    entry.objectId,
    entry.error,
    labelOf(MEMBER_OUTCOME_LABELS, entry.outcome),
    labelOf(SKIP_REASON_LABELS, entry.reason),
  ]
    .map(field)
    .join(",");
}

function field(value: string | null): string {
  if (value === null) return "";
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

import type { MemberReportEntry } from "../core/syncRun.js";

export const MEMBER_CSV_COLUMNS = ["outcome", "reason", "resourceId", "name", "entraId", "objectId", "error"] as const;

/**
 * One row per member, RFC 4180: CRLF line ends, a field holding a comma, quote, CR or LF is quoted and its
 * quotes doubled. Text a spreadsheet would run as a formula (leading = + - @, tab or CR — OWASP "CSV injection")
 * gets a leading apostrophe: names and Graph's errors come from outside.
 */
export function membersCsv(entries: readonly MemberReportEntry[]): string {
  const lines = [MEMBER_CSV_COLUMNS.join(",")];
  for (const entry of entries) {
    lines.push(
      [entry.outcome, entry.reason, entry.resourceId === null ? null : String(entry.resourceId), entry.name, entry.entraId, entry.objectId, entry.error]
        .map(field)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

function field(value: string | null): string {
  if (value === null) return "";
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

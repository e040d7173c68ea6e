/**
 * Times a collector reports (SMS_Collection.LastMemberChangeTime, its own read times). ConfigMgr sites and
 * AdminService versions write ISO 8601 in several shapes: with or without fractional seconds (up to 7 digits,
 * .NET ticks), with `Z`, `±hh:mm` or `±hhmm`, or with no offset at all (read as UTC, so the answer never depends
 * on the clock's time zone). Anything else is not a time (docs/service-facts.md "ConfigMgr AdminService").
 */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** How far ahead of the app's clock a reported time may be (clock skew between the site server and Azure). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** Epoch ms of `value`, or null when it is not an ISO 8601 instant of one of the shapes above. */
export function parseSourceTime(value: string): number | null {
  const match = ISO_8601.exec(value.trim());
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  const fields = [year, month, day, hour, minute, second ?? "0"].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = fields;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, Math.floor(Number(`0.${fraction ?? "0"}`) * 1000));
  // Date.UTC rolls 31 February over into March: such a day does not exist.
  if (new Date(utc).getUTCDate() !== d) return null;
  return utc - offsetMs(offset);
}

function offsetMs(offset: string | undefined): number {
  if (offset === undefined || offset.toUpperCase() === "Z") return 0;
  const digits = offset.slice(1).replace(":", "");
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return (offset.startsWith("-") ? -1 : 1) * minutes * 60_000;
}

/** The same instant in one canonical shape (UTC, milliseconds), so a collector sends every time alike. */
export function canonicalSourceTime(value: string | null): string | null {
  if (value === null) return null;
  const ms = parseSourceTime(value);
  return ms === null ? value : new Date(ms).toISOString();
}

/** Why a reported time cannot be taken: not a time, or later than the app's clock allows; null when it can. */
export function sourceTimeProblem(value: string, now: number): string | null {
  const ms = parseSourceTime(value);
  if (ms === null) return `"${value.slice(0, 64)}" is not an ISO 8601 date and time`;
  if (ms > now + FUTURE_TOLERANCE_MS)
    return `${value.slice(0, 64)} is in the future (the app's clock reads ${new Date(now).toISOString()}; at most ${FUTURE_TOLERANCE_MS / 60_000} minutes ahead are tolerated)`;
  return null;
}

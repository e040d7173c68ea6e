import { ValidationError } from "../errors.js";

/**
 * Table Storage forbids `/ \ # ?` and control characters in PartitionKey and RowKey (docs/service-facts.md "Table Storage").
 * The service would answer 400 for some and silently mis-route others (`#`, `?` end the URL path), so every key
 * is checked here before it reaches the SDK.
 */
const FORBIDDEN_KEY_CHARACTER = /[/\\#?\p{Cc}]/u;

/** Keys may be 1 KiB; strings travel as UTF-16, so 512 characters is the safe bound. */
export const MAX_KEY_LENGTH = 512;

/** Returns `value` if it can be used as a PartitionKey or RowKey; throws ValidationError naming `what` otherwise. */
export function assertTableKey(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new ValidationError(`${what} must be a non-empty string`);
  }
  if (value.length > MAX_KEY_LENGTH) {
    throw new ValidationError(`${what} is longer than ${MAX_KEY_LENGTH} characters`);
  }
  const bad = FORBIDDEN_KEY_CHARACTER.exec(value);
  if (bad !== null) {
    const shown = /\p{Cc}/u.test(bad[0]) ? `control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, "0")}` : `"${bad[0]}"`;
    throw new ValidationError(`${what} contains ${shown}, which Table Storage does not allow in keys (/ \\ # ? and control characters)`);
  }
  return value;
}

/** Checks every key first, so a batch with one bad key writes nothing. */
export function assertTableKeys(values: readonly unknown[], what: string): string[] {
  return values.map((value) => assertTableKey(value, what));
}

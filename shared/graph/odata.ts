/** Building Graph query text safely: literals, `in` lists and `$search` phrases (docs/service-facts.md, Graph). */
import { odataString } from "../odata.js";

/** `property in ('a','b')` — callers keep lists at ≤ 15 values (Graph refuses 16 child clauses). */
export function inFilter(property: string, values: readonly string[]): string {
  return `${property} in (${values.map(odataString).join(",")})`;
}

/**
 * A `$search` clause on one property. Inside the double-quoted clause only `"` and `\` need escaping, with a
 * backslash (Graph docs, "Using $search on directory object collections").
 */
export function searchClause(property: string, text: string): string {
  return `"${property}:${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Tokenized `$search` needs at least one word to match (letters or digits); text of symbols only cannot be
 * searched that way, so callers fall back to `startswith`.
 */
export function searchable(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/** Percent-encodes a query value; the Graph SDK passes query text through as given. */
export function queryValue(value: string): string {
  return encodeURIComponent(value);
}

/** A path segment (an object id) that can never add path parts or a query. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

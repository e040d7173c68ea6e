/**
 * `$search="displayName:text"` as Entra does it for directory objects: the property is split into words (at
 * spaces, punctuation and lower→upper case changes) and every word of the search text must be the prefix of
 * one of them (docs/service-facts.md: word-prefix match). Clauses may be joined with AND / OR.
 */
import { RouteError } from "../http/types.js";
import { unsupportedQuery } from "./graphErrors.js";

interface SearchClause {
  readonly property: "displayName" | "description";
  readonly words: readonly string[];
}

export interface SearchExpression {
  readonly clauses: readonly SearchClause[];
  readonly join: "AND" | "OR";
}

function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== "")
    .map((w) => w.toLowerCase());
}

const invalid = (raw: string): RouteError => new RouteError(unsupportedQuery(`Syntax error: invalid $search expression '${raw}'.`));

export function parseSearch(raw: string): SearchExpression {
  const clauses: SearchClause[] = [];
  const joins = new Set<"AND" | "OR">();
  // Inside a clause Graph takes `\"` and `\\` as escapes (Graph docs, "$search" query parameter).
  const pattern = /\s*"((?:[^"\\]|\\.)*)"\s*(?:(AND|OR)\b)?/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = pattern.exec(raw)) !== null && match[0] !== "") {
    consumed = pattern.lastIndex;
    const body = (match[1] ?? "").replace(/\\(.)/g, "$1");
    const colon = body.indexOf(":");
    if (colon < 0) throw invalid(raw);
    const property = body.slice(0, colon).trim();
    if (property !== "displayName" && property !== "description") {
      throw new RouteError(unsupportedQuery(`Unsupported property '${property}' in $search.`));
    }
    clauses.push({ property, words: words(body.slice(colon + 1)) });
    if (match[2]) joins.add(match[2] as "AND" | "OR");
    else break;
  }
  if (clauses.length === 0 || consumed !== raw.length || joins.size > 1) throw invalid(raw);
  return { clauses, join: joins.has("OR") ? "OR" : "AND" };
}

export function matchesSearch(expression: SearchExpression, record: { displayName: string; description: string | null }): boolean {
  const test = (clause: SearchClause): boolean => {
    const target = words(record[clause.property] ?? "");
    return clause.words.every((w) => target.some((t) => t.startsWith(w)));
  };
  return expression.join === "OR" ? expression.clauses.some(test) : expression.clauses.every(test);
}

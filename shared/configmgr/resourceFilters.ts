/**
 * `$filter` chains naming ResourceIDs, sized for ASP.NET OData's default MaxNodeCount of 100
 * (docs/service-facts.md). The validator counts every node of the bound expression: a comparison is at most 5
 * (operator, property, `$it`, literal, and a Convert around the literal when its type differs from the
 * property's), `and` / `or` one each. So 15 `eq` clauses are 89 nodes, and a range
 * `(ResourceID ge a and ResourceID le b)` is 11. Where the wanted ids are dense a range replaces many `eq`s.
 */

export const MAX_FILTER_NODES = 100;
/** A request names at most this many terms, whatever the node budget (people hit the limit at 16–20 `or`s). */
export const MAX_TERMS = 15;
const COMPARISON_NODES = 5;
const EQ_NODES = COMPARISON_NODES;
const RANGE_NODES = 2 * COMPARISON_NODES + 1;
/** A range is used for a run of at least this many wanted ids… */
const MIN_RANGE_IDS = 3;
/** …where at least half the ids it spans are wanted. */
const MIN_RANGE_DENSITY = 0.5;

export type Term = { readonly from: number; readonly to: number };

export interface LookupChain {
  /** The wanted ids this chain covers. */
  readonly ids: readonly number[];
  readonly filter: string;
  /** Nodes of the filter by the most a site can count. */
  readonly nodes: number;
  /** Most rows the filter can match. */
  readonly span: number;
}

function termNodes(term: Term): number {
  return term.from === term.to ? EQ_NODES : RANGE_NODES;
}

function termFilter(property: string, term: Term): string {
  return term.from === term.to ? `${property} eq ${term.from}` : `(${property} ge ${term.from} and ${property} le ${term.to})`;
}

/** Sorted ids → terms: dense runs become ranges (each spanning at most `maxSpan`), the rest single ids. */
export function termsFor(sortedIds: readonly number[], maxSpan: number): Term[] {
  const terms: Term[] = [];
  let start = 0;
  while (start < sortedIds.length) {
    const from = sortedIds[start] as number;
    let end = start;
    // Grow the run while it stays dense enough and within the span a response may cover.
    while (end + 1 < sortedIds.length) {
      const next = sortedIds[end + 1] as number;
      const span = next - from + 1;
      if (span > maxSpan || (end - start + 2) / span < MIN_RANGE_DENSITY) break;
      end++;
    }
    const count = end - start + 1;
    if (count >= MIN_RANGE_IDS) {
      terms.push({ from, to: sortedIds[end] as number });
      start = end + 1;
    } else {
      terms.push({ from, to: from });
      start++;
    }
  }
  return terms;
}

/**
 * Splits `ids` into filter chains of at most `maxNodes` nodes and MAX_TERMS terms, each matching at most
 * `maxRows` rows (so one response page answers it).
 */
export function lookupChains(property: string, ids: readonly number[], maxNodes: number, maxRows: number): LookupChain[] {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const chains: LookupChain[] = [];
  let terms: Term[] = [];
  let covered: number[] = [];
  let nodes = 0;
  let span = 0;
  const flush = () => {
    if (terms.length === 0) return;
    chains.push({ ids: covered, filter: terms.map((t) => termFilter(property, t)).join(" or "), nodes, span });
    terms = [];
    covered = [];
    nodes = 0;
    span = 0;
  };
  let index = 0;
  for (const term of termsFor(sorted, Math.max(1, maxRows))) {
    const cost = termNodes(term) + (terms.length > 0 ? 1 : 0);
    const rows = term.to - term.from + 1;
    if (terms.length > 0 && (nodes + cost > maxNodes || terms.length >= MAX_TERMS || span + rows > maxRows)) flush();
    nodes += termNodes(term) + (terms.length > 0 ? 1 : 0);
    span += rows;
    terms.push(term);
    while (index < sorted.length && (sorted[index] as number) <= term.to) covered.push(sorted[index++] as number);
  }
  flush();
  return chains;
}

/** True for the 400 ASP.NET OData answers when a `$filter` has too many nodes. */
export function isNodeLimitMessage(message: string): boolean {
  return /node count limit/i.test(message);
}

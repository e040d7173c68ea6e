/**
 * Counts the nodes of a `$filter` the way ASP.NET OData's FilterQueryValidator does for
 * ODataValidationSettings.MaxNodeCount (docs/service-facts.md): every node of the bound expression tree is
 * visited once — a comparison is its operator, the property access, the range variable (`$it`) it hangs from,
 * and the literal; `and` / `or` / `not` one each; a function call itself, its property and its literal. A numeric
 * literal compared with an integer property whose EDM type differs is wrapped in a Convert node: we always count
 * it, so this is the most a site can count. An `in (…)` is one node (the validator does not descend into it).
 */
import type { FilterNode } from "./odataFilter.js";

/** Property access + its `$it` range variable. */
const PROPERTY = 2;

function literalNodes(value: unknown): number {
  return typeof value === "number" ? 2 : 1;
}

export function filterNodeCount(node: FilterNode): number {
  switch (node.kind) {
    case "and":
    case "or":
      return 1 + filterNodeCount(node.left) + filterNodeCount(node.right);
    case "not":
      return 1 + filterNodeCount(node.operand);
    case "compare":
      return 1 + PROPERTY + literalNodes(node.value);
    case "startswith":
    case "endswith":
    case "contains":
      return 1 + PROPERTY + 1;
    case "in":
      return 1;
  }
}

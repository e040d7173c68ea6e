/** Graph's OData query options as the routes need them: `$select`, `$top`, `$filter`, `$skiptoken` paging. */
import { FilterSyntaxError, orClauseCount, parseFilter, propertiesOf, type FilterNode } from "../odataFilter.js";
import { buildQuery, RouteError, type SimRequest } from "../http/types.js";
import { badRequest, invalidPageSize, tooManyOrClauses, unknownProperty } from "./graphErrors.js";

export const MAX_TOP = 999;

/** `$top`: default per resource, 1..999 (docs/service-facts.md: `$top=1000` → 400). */
export function parseTop(req: SimRequest, defaultTop: number): number {
  const raw = req.query.get("$top");
  if (raw === null) return defaultTop;
  if (!/^\d+$/.test(raw)) throw new RouteError(badRequest(`Invalid value '${raw}' for $top query option.`));
  const top = Number(raw);
  if (top < 1 || top > MAX_TOP) throw new RouteError(invalidPageSize(raw));
  return top;
}

/** `$select` fields checked against the type's properties; null = the default property set. */
export function parseSelect(req: SimRequest, properties: readonly string[], type: string): string[] | null {
  const raw = req.query.get("$select");
  if (raw === null || raw.trim() === "") return null;
  const byLower = new Map(properties.map((p) => [p.toLowerCase(), p]));
  return raw.split(",").map((field) => {
    const name = byLower.get(field.trim().toLowerCase());
    if (!name) throw new RouteError(unknownProperty(field.trim(), type));
    return name;
  });
}

/** `$filter`, parsed, with properties checked and Entra's 15-clause OR limit applied. */
export function parseGraphFilter(req: SimRequest, properties: readonly string[], type: string): FilterNode | null {
  const raw = req.query.get("$filter");
  if (raw === null) return null;
  let node: FilterNode;
  try {
    node = parseFilter(raw);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new RouteError(badRequest(`Invalid filter clause: ${error.message}`));
    throw error;
  }
  // Directory objects take no `contains` in $filter (name search goes through $search).
  if (/\bcontains\s*\(/i.test(raw))
    throw new RouteError(badRequest("Unsupported or invalid query filter clause specified for property 'displayName' of resource 'Group'."));
  const known = new Set(properties.map((p) => p.toLowerCase()));
  for (const property of propertiesOf(node)) {
    if (!known.has(property.toLowerCase())) throw new RouteError(unknownProperty(property, type));
  }
  const clauses = orClauseCount(node);
  if (clauses > 15) throw new RouteError(tooManyOrClauses(clauses));
  return node;
}

export function hasEventualConsistency(req: SimRequest): boolean {
  return (req.headers["consistencylevel"] ?? "").toLowerCase() === "eventual";
}

/** Offset carried by `$skiptoken` (opaque to clients: base64url JSON). */
export function parseSkipToken(req: SimRequest): number {
  const raw = req.query.get("$skiptoken");
  if (raw === null) return 0;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (typeof decoded === "object" && decoded !== null && "o" in decoded && Number.isInteger(decoded.o)) {
      return decoded.o as number;
    }
  } catch {
    // fall through to the 400 below
  }
  throw new RouteError(badRequest("The specified page token value has expired or is invalid."));
}

/** Absolute nextLink to the same request with a new `$skiptoken` (docs/service-facts.md: follow it as-is). */
export function nextLinkFor(req: SimRequest, offset: number): string {
  const params: [string, string][] = [];
  for (const [k, v] of req.query) if (k !== "$skiptoken") params.push([k, v]);
  params.push(["$skiptoken", Buffer.from(JSON.stringify({ o: offset })).toString("base64url")]);
  return `${req.publicBase}/v1.0${req.path}?${buildQuery(params)}`;
}

export function contextUrl(req: SimRequest, fragment: string): string {
  return `${req.publicBase}/v1.0/$metadata#${fragment}`;
}

/** Picks the selected fields (id always included, as Graph does) and stamps `@odata.type` when given. */
export function project(
  record: Readonly<Record<string, unknown>>,
  select: readonly string[] | null,
  defaults: readonly string[],
  odataType?: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = odataType ? { "@odata.type": odataType } : {};
  const fields = select ?? defaults;
  if (!fields.includes("id")) out.id = record.id;
  for (const field of fields) out[field] = record[field] ?? null;
  return out;
}

/** One page of a list response with Graph's paging fields. */
export function pageResponse(req: SimRequest, context: string, page: unknown[], nextOffset: number | null, count?: number): Record<string, unknown> {
  const body: Record<string, unknown> = { "@odata.context": contextUrl(req, context) };
  if (count !== undefined) body["@odata.count"] = count;
  if (nextOffset !== null) body["@odata.nextLink"] = nextLinkFor(req, nextOffset);
  body.value = page;
  return body;
}

/** Property reader for the filter evaluator; Graph property names compare case-insensitively. */
export function readerOf(view: Readonly<Record<string, unknown>>): (name: string) => unknown {
  const lower = new Map(Object.entries(view).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => lower.get(name.toLowerCase());
}

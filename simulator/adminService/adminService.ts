/**
 * `/AdminService/wmi/<Class>` and `/AdminService/wmi/<Class>('<key>')`: OData `$filter`, `$select`, `$top`,
 * `$skip`, `$count`, with server paging (`@odata.nextLink`) above `adminServicePageSize`. What Microsoft leaves
 * undocumented (node limit, `$count`, keyed-read shape, property spelling) follows the tenant's AdminService
 * profile (profile.ts). Errors are OData error bodies; a query the simulator cannot parse is a 400, never a 500.
 */
import type { SimulatorCore } from "../core.js";
import { FilterSyntaxError, parseFilter, propertiesOf, type FilterNode } from "../odataFilter.js";
import { filterNodeCount } from "../odataNodeCount.js";
import { buildQuery, jsonResponse, pathSegments, RouteError, type SimRequest, type SimResponse } from "../http/types.js";
import type { AdminServiceProfile } from "./profile.js";
import { WMI_CLASSES, type Row, type WmiClass } from "./wmiClasses.js";

export function odataError(status: number, code: string, message: string): SimResponse {
  return jsonResponse(status, { error: { code, message, details: [] } });
}

const invalidQuery = (detail: string): RouteError => new RouteError(odataError(400, "BadRequest", `The query specified in the URI is not valid. ${detail}`));

function faultBody(status: number): SimResponse {
  if (status === 500) return odataError(500, "InternalServerError", "An error has occurred.");
  if (status === 503) return odataError(503, "ServiceUnavailable", "The service is unavailable.");
  return odataError(status, String(status), `Simulated fault ${status}.`);
}

function canonical(cls: WmiClass, name: string): string {
  const hit = cls.properties.find((p) => p.toLowerCase() === name.trim().toLowerCase());
  if (!hit) throw invalidQuery(`Could not find a property named '${name.trim()}' on type 'AdminService.${cls.name}'.`);
  return hit;
}

function parseInteger(req: SimRequest, option: "$top" | "$skip"): number | undefined {
  const raw = req.query.get(option);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw invalidQuery(`Invalid value '${raw}' for ${option} query option found.`);
  return Number(raw);
}

function parseQueryFilter(req: SimRequest, cls: WmiClass, profile: AdminServiceProfile): FilterNode | null {
  const raw = req.query.get("$filter");
  if (raw === null) return null;
  let node: FilterNode;
  try {
    node = parseFilter(raw);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw invalidQuery(`Syntax error in $filter: ${error.message}`);
    throw error;
  }
  // ODataValidationSettings.MaxNodeCount, with ASP.NET OData's own words (docs/service-facts.md).
  if (profile.maxNodeCount !== null && filterNodeCount(node) > profile.maxNodeCount) {
    throw invalidQuery(
      `The node count limit of '${profile.maxNodeCount}' has been exceeded. To increase the limit, set the 'MaxNodeCount' property on EnableQueryAttribute or ODataValidationSettings.`,
    );
  }
  if (profile.contains === "refuse" && /\bcontains\s*\(/i.test(raw)) {
    throw invalidQuery(
      "Function 'contains' is not allowed. To allow it, set the 'AllowedFunctions' property on EnableQueryAttribute or QueryValidationSettings.",
    );
  }
  for (const property of propertiesOf(node)) canonical(cls, property);
  return node;
}

/** `$count` on a site that does not allow it: AllowedQueryOptions refuses it before anything runs. */
function checkCount(req: SimRequest, profile: AdminServiceProfile): boolean {
  const raw = req.query.get("$count");
  if (raw === null) return false;
  if (profile.count === "refuse") {
    throw invalidQuery(
      "Query option 'Count' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.",
    );
  }
  if (raw !== "true" && raw !== "false") throw invalidQuery(`Invalid value '${raw}' for $count.`);
  return raw === "true" && profile.count === "answer";
}

/** Property names as the profile spells them in answers. */
function spelled(cls: WmiClass, row: Row, profile: AdminServiceProfile): Row {
  if (profile.propertyCase === "reference") return row;
  const out: Row = {};
  for (const [name, value] of Object.entries(row)) {
    out[profile.propertyCase === "lower" ? name.toLowerCase() : (cls.communitySpelling[name] ?? name)] = value;
  }
  return out;
}

const SUPPORTED_OPTIONS = new Set(["$filter", "$select", "$top", "$skip", "$count"]);

function project(row: Row, select: string[] | null): Row {
  if (!select) return row;
  const out: Row = {};
  for (const field of select) out[field] = row[field] ?? null;
  return out;
}

function parseTarget(req: SimRequest): { cls: WmiClass; key: string | null } {
  const segs = pathSegments(req.path);
  const target = segs && segs.length === 2 && segs[0] === "wmi" ? (segs[1] as string) : null;
  const match = target ? /^([A-Za-z_]+)(?:\((?:'((?:[^']|'')*)'|(\d+))\))?$/.exec(target) : null;
  const cls = match ? WMI_CLASSES.get((match[1] as string).toLowerCase()) : undefined;
  if (!match || !cls) throw new RouteError(odataError(404, "NotFound", `No HTTP resource was found that matches the request URI '${req.path}'.`));
  const key = match[2] !== undefined ? match[2].replace(/''/g, "'") : (match[3] ?? null);
  return { cls, key };
}

function list(core: SimulatorCore, req: SimRequest, fault: { truncatePaging?: boolean; emptyResult?: boolean } | null): SimResponse {
  const profile = core.options.adminService;
  const { cls, key } = parseTarget(req);
  for (const option of req.query.keys()) {
    if (option.startsWith("$") && !SUPPORTED_OPTIONS.has(option))
      throw invalidQuery(`Query option '${option}' is not supported by the simulated AdminService.`);
  }
  const select =
    req.query
      .get("$select")
      ?.split(",")
      .map((f) => canonical(cls, f)) ?? null;
  const answer = (row: Row) => spelled(cls, project(row, select), profile);
  const context = `${req.publicBase}/AdminService/wmi/$metadata#${cls.name}`;
  const counted = checkCount(req, profile);
  if (key !== null) {
    const row = cls.byKey(core.configMgr, key);
    if (!row || (fault?.emptyResult && profile.keyedRead === "entity")) {
      throw new RouteError(odataError(404, "NotFound", `No ${cls.name} instance was found with the key '${key}'.`));
    }
    if (profile.keyedRead === "entity") return jsonResponse(200, { "@odata.context": `${context}/$entity`, ...answer(row) });
    return jsonResponse(200, { "@odata.context": context, value: fault?.emptyResult ? [] : [answer(row)] });
  }
  const filter = parseQueryFilter(req, cls, profile);
  const top = parseInteger(req, "$top");
  const skip = parseInteger(req, "$skip") ?? 0;
  const rows = cls.query(core.configMgr, filter);
  const pageSize = core.options.adminServicePageSize;
  const take = Math.min(top ?? Number.POSITIVE_INFINITY, pageSize);
  let page = rows.slice(skip, take);
  let hasMore = skip + page.length < rows.count && page.length === take && (top === undefined || page.length < top);
  if (fault?.truncatePaging) {
    page = page.slice(0, Math.floor(page.length / 2));
    hasMore = false;
  }
  if (fault?.emptyResult) page = [];
  const body: Record<string, unknown> = { "@odata.context": context };
  if (counted) body["@odata.count"] = fault?.emptyResult ? 0 : rows.count;
  body.value = page.map(answer);
  if (hasMore) {
    const params: [string, string][] = [];
    for (const [k, v] of req.query) if (k !== "$skip" && k !== "$top") params.push([k, v]);
    if (top !== undefined) params.push(["$top", String(top - page.length)]);
    params.push(["$skip", String(skip + page.length)]);
    body["@odata.nextLink"] = `${req.publicBase}/AdminService${req.path}?${buildQuery(params)}`;
  }
  return jsonResponse(200, body);
}

/**
 * Behind a CMG the AdminService takes a delegated Entra token of a ConfigMgr administrative user: a missing,
 * forged, expired or wrong-audience token is a 401, a user who is not an administrative user a 403.
 */
function bearerRefusal(core: SimulatorCore, req: SimRequest): SimResponse | null {
  const demand = core.options.adminServiceBearer;
  if (demand === null) return null;
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers["authorization"]?.trim() ?? "")?.[1];
  const claims = token === undefined ? null : core.entra.verifyAccessToken(token);
  if (claims === null || claims.aud.toLowerCase() !== demand.audience.toLowerCase() || claims.scp === "") {
    const refused = odataError(401, "Unauthorized", "Authorization has been denied for this request.");
    refused.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"';
    return refused;
  }
  const admins = demand.administrativeUsers?.map((upn) => upn.toLowerCase());
  if (admins !== undefined && !admins.includes(claims.upn.toLowerCase())) {
    return odataError(403, "Forbidden", `The user ${claims.upn} is not a Configuration Manager administrative user.`);
  }
  return null;
}

export async function executeAdminServiceRequest(core: SimulatorCore, req: SimRequest): Promise<SimResponse> {
  await core.notify("adminService", req, null);
  const refusal = bearerRefusal(core, req);
  const fault = refusal === null ? await core.applyFault("adminService", req, faultBody) : null;
  let response: SimResponse;
  if (refusal !== null) {
    response = refusal;
  } else if (fault?.kind === "respond") {
    response = fault.response;
  } else if (req.method !== "GET") {
    response = odataError(405, "MethodNotAllowed", `The requested resource does not support http method '${req.method}'.`);
  } else {
    try {
      response = list(core, req, fault?.kind === "modify" ? fault.spec : null);
    } catch (error) {
      if (!(error instanceof RouteError)) {
        console.error("simulated AdminService: handler failed", error);
        throw error;
      }
      response = error.response;
    }
  }
  core.log.record({
    service: "adminService",
    method: req.method,
    path: req.pathAndQuery,
    status: response.status,
    tenantId: null,
    inBatch: false,
    kind: req.method === "GET" ? "read" : "write",
  });
  return response;
}

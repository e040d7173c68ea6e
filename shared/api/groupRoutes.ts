import { z } from "zod";
import { guidSchema } from "../core/ids.js";
import { searchGroupCandidates } from "../mappings/groupSearch.js";
import type { FleetIndex } from "../mappings/fleetIndex.js";
import type { ApiDeps } from "./apiTypes.js";
import { optionalQueryParam } from "./params.js";
import { ApiProblem } from "./problems.js";
import { json, type Route } from "./route.js";

/**
 * Search text goes into Graph's `$search="displayName:…"`: a double quote or backslash would end or escape
 * the quoted term, control characters have no business in a name, so they are refused rather than escaped.
 */
const searchTextSchema = z
  .string()
  .trim()
  .min(1, "give at least one character")
  .max(120, "must be at most 120 characters")
  .regex(/^[^"\\\p{Cc}]+$/u, "must not contain double quotes, backslashes or control characters");

const memberTypeSchema = z.enum(["device", "user"]);
const limitSchema = z.coerce.number().int("must be a whole number from 1 to 100").min(1).max(100);

/** `GET /groups?search=TEXT[&tenantId=][&memberType=device|user][&limit=]`. */
export function groupRoutes(deps: ApiDeps & { readonly fleet: FleetIndex }): Route[] {
  return [
    {
      method: "GET",
      pattern: "/groups",
      access: "read",
      async handle({ request }) {
        const text = optionalQueryParam(request.query, "search", searchTextSchema);
        if (text === undefined) throw ApiProblem.validation([{ in: "query", name: "search", message: "is required" }]);
        const tenantId = optionalQueryParam(request.query, "tenantId", guidSchema) ?? null;
        const memberType = optionalQueryParam(request.query, "memberType", memberTypeSchema) ?? "device";
        const limit = optionalQueryParam(request.query, "limit", limitSchema) ?? 25;
        const [found, fleet] = await Promise.all([searchGroupCandidates(deps.directories, { tenantId, text, memberType, limit }), deps.fleet.fleet()]);
        const mappedFrom = new Map<string, { collectionId: string; collectionName: string | null }[]>();
        for (const mapping of fleet.mappings) {
          if (mapping.tenantId !== tenantId) continue;
          const list = mappedFrom.get(mapping.groupId) ?? [];
          list.push({ collectionId: mapping.collectionId, collectionName: mapping.collectionName });
          mappedFrom.set(mapping.groupId, list);
        }
        const items = found.items.map((group) => ({ ...group, mappedFrom: mappedFrom.get(group.id.toLowerCase()) ?? [] }));
        return json(200, { items, memberType, truncated: found.truncated });
      },
    },
  ];
}

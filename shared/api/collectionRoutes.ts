import { z } from "zod";
import type { ApiDeps } from "./apiTypes.js";
import { optionalQueryParam } from "./params.js";
import { ApiProblem } from "./problems.js";
import { json, type Route } from "./route.js";

/** The text becomes an OData string literal (escaped); control characters have no business in a name. */
const searchTextSchema = z
  .string()
  .trim()
  .min(1, "give at least one character")
  .max(120, "must be at most 120 characters")
  .regex(/^[^\p{Cc}]+$/u, "must not contain control characters");
const limitSchema = z.coerce.number().int("must be a whole number from 1 to 100").min(1).max(100);

/** `GET /collections?search=TEXT[&limit=]`: device and user collections by name prefix or exact id. */
export function collectionRoutes(deps: ApiDeps): Route[] {
  return [
    {
      method: "GET",
      pattern: "/collections",
      access: "read",
      async handle({ request }) {
        const text = optionalQueryParam(request.query, "search", searchTextSchema);
        if (text === undefined) throw ApiProblem.validation([{ in: "query", name: "search", message: "is required" }]);
        const limit = optionalQueryParam(request.query, "limit", limitSchema) ?? 25;
        return json(200, { items: await deps.collections.search(text, limit) });
      },
    },
  ];
}

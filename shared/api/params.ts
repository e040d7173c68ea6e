import { z } from "zod";
import { collectionIdSchema, guidSchema, type MappingRef } from "../core/ids.js";
import { ApiProblem, type FieldError } from "./problems.js";
import { parseParam } from "./requestInput.js";

/**
 * Path and query values are checked against strict patterns here, before any of them reaches a Table key,
 * an OData filter or a Graph URL (ids.ts). Every bad value is reported at once.
 */
export function mappingRefFrom(params: Readonly<Record<string, string>>): MappingRef {
  const collection = collectionIdSchema.safeParse(params.collectionId);
  const group = guidSchema.safeParse(params.groupId);
  const errors: FieldError[] = [];
  if (!collection.success) errors.push({ in: "path", name: "collectionId", message: collection.error.issues[0]?.message ?? "invalid" });
  if (!group.success) errors.push({ in: "path", name: "groupId", message: group.error.issues[0]?.message ?? "invalid" });
  if (!collection.success || !group.success) throw ApiProblem.validation(errors);
  return { collectionId: collection.data, groupId: group.data };
}

/** Continuation tokens are opaque to the caller, but still only ever base64-ish text of bounded length. */
const continuationTokenSchema = z
  .string()
  .max(4096)
  .regex(/^[A-Za-z0-9+/=_.~-]+$/, "must be a continuationToken returned by a previous page");

export interface Paging {
  readonly pageSize: number;
  readonly continuationToken?: string;
}

function optionalQuery(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw ApiProblem.validation([{ in: "query", name, message: "give it once" }]);
  return values[0];
}

export function pagingFrom(query: URLSearchParams, defaultPageSize = 50, maxPageSize = 200): Paging {
  const rawSize = optionalQuery(query, "pageSize");
  const pageSize =
    rawSize === undefined
      ? defaultPageSize
      : parseParam("query", "pageSize", Number(rawSize), z.number().int(`must be a whole number from 1 to ${maxPageSize}`).min(1).max(maxPageSize));
  const rawToken = optionalQuery(query, "continuationToken");
  if (rawToken === undefined || rawToken === "") return { pageSize };
  return { pageSize, continuationToken: parseParam("query", "continuationToken", rawToken, continuationTokenSchema) };
}

export function optionalQueryParam<S extends z.ZodType>(query: URLSearchParams, name: string, schema: S): z.output<S> | undefined {
  const raw = optionalQuery(query, name);
  return raw === undefined || raw === "" ? undefined : parseParam("query", name, raw, schema);
}

/** The If-Match header: null when absent (no precondition). */
export function ifMatchFrom(headers: Readonly<Record<string, string | undefined>>): string | null {
  const value = headers["if-match"];
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === "" || trimmed.length > 512) {
    throw ApiProblem.validation([{ in: "header", name: "If-Match", message: "must be the ETag you read, or *" }]);
  }
  return trimmed;
}

import { z } from "zod";

/**
 * Small conversions between domain values and Table entity properties, shared by the table adapters.
 * Table Storage has no null: a null value is stored as an absent property and read back as null.
 */

/** Drops null and undefined properties, so `Replace` writes remove them from the stored entity. */
export function withoutNulls<T extends Record<string, unknown>>(properties: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (value !== null && value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Epoch milliseconds do not fit Edm.Int32; an untyped JSON integer is read by the service as Int32, so such
 * numbers are sent explicitly as Edm.Double (exact up to 2^53) and come back as plain numbers.
 */
export function epochMs(value: number): { value: number; type: "Double" } {
  return { value, type: "Double" };
}

/** An entity whose stored shape is not what this code writes: a bug or a hand edit, never a user error. */
export class CorruptEntityError extends Error {
  constructor(table: string, partitionKey: string, rowKey: string, detail: string) {
    super(`Stored ${table} entity ${partitionKey}/${rowKey} is unreadable: ${detail}`);
    this.name = "CorruptEntityError";
  }
}

/** An optional property read back as null when absent (Table Storage stores no nulls). */
export function absentAsNull<T extends z.ZodType>(schema: T) {
  return schema.optional().transform((value) => value ?? null);
}

/** A value this code wrote itself: its basic shape is checked, its exact union member trusted. */
export function written<T>(check: (value: unknown) => boolean) {
  return z.custom<T>(check);
}

export const isObject = (value: unknown): boolean => typeof value === "object" && value !== null;
export const isString = (value: unknown): boolean => typeof value === "string";

/** A string property holding JSON written by this code, parsed and checked against `schema`. */
export function jsonProperty<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not valid JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** Parses a stored entity with `schema`; a mismatch is a CorruptEntityError naming the entity. */
export function parseEntity<T extends z.ZodType>(schema: T, table: string, entity: object): z.infer<T> {
  const result = schema.safeParse(entity);
  if (result.success) return result.data;
  const detail = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
  const { partitionKey, rowKey } = entity as { partitionKey?: unknown; rowKey?: unknown };
  const key = (value: unknown) => (typeof value === "string" ? value : "?");
  throw new CorruptEntityError(table, key(partitionKey), key(rowKey), detail);
}

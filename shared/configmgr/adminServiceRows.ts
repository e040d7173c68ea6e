import { z } from "zod";
import { SourceReadError } from "../errors.js";

/**
 * Property names in AdminService answers are matched without regard to case (docs/service-facts.md: the class
 * reference writes `ResourceID`, community code `ResourceId`, and nothing documents which one a site sends).
 * Keys are brought to the spelling the schema uses before zod sees them; unknown keys are left as they are.
 */
export function withSchemaKeys(value: unknown, schema: z.ZodObject<z.ZodRawShape>): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const spelling = new Map(Object.keys(schema.shape).map((name) => [name.toLowerCase(), name]));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[spelling.get(key.toLowerCase()) ?? key] = field;
  return out;
}

/** Rows of one class, each checked against `schema` after its keys are normalised. */
export function parseRows<T extends z.ZodObject<z.ZodRawShape>>(schema: T, rows: readonly unknown[], what: string): z.infer<T>[] {
  const parsed = z.array(schema).safeParse(rows.map((row) => withSchemaKeys(row, schema)));
  if (!parsed.success) throw new SourceReadError("bad-response", `AdminService returned ${what} rows of an unexpected shape`);
  return parsed.data;
}

const pageSchema = z.object({
  value: z.array(z.unknown()),
  "@odata.count": z.number().int().nonnegative().optional(),
  "@odata.nextLink": z.string().optional(),
});

/** `{"@odata.context": …, "value": [ … ]}` plus the optional count and nextLink. */
export function parsePage(body: unknown, what: string): z.infer<typeof pageSchema> {
  const page = pageSchema.safeParse(withSchemaKeys(body, pageSchema));
  if (!page.success) throw new SourceReadError("bad-response", `AdminService answered ${what} without an OData "value" list`);
  return page.data;
}

/**
 * The one entity of a keyed read (`SMS_Collection('<id>')`): nothing documents whether it comes bare (`$entity`)
 * or as a `value` list, so both are taken. null for an empty list.
 */
export function keyedEntity(body: unknown, what: string): unknown {
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    const list = withSchemaKeys(body, pageSchema) as Record<string, unknown>;
    if (!("value" in list)) return body;
  }
  const [row] = parsePage(body, what).value;
  return row ?? null;
}

import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./usage.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/** Strict parsing: an unknown option or a missing value is a usage error, never silently ignored. */
export function parse(args: readonly string[], options: Options, allowPositionals = false): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function required(values: Parsed["values"], name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value.trim() === "") throw new UsageError(`--${name} is required`);
  return value.trim();
}

export function optionalString(values: Parsed["values"], name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value.trim() : undefined;
}

export function optionalBoolean(values: Parsed["values"], name: string): boolean | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (value === "true" || value === true) return true;
  if (value === "false") return false;
  throw new UsageError(`--${name} takes true or false, got "${String(value)}"`);
}

export function optionalInteger(values: Parsed["values"], name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new UsageError(`--${name} takes a whole number, got "${String(value)}"`);
  }
  return n;
}

/** `--collection ID --group ID`, the options that name one mapping. */
export const mappingRefOptions = { collection: { type: "string" }, group: { type: "string" } } as const;

/** The API path of the mapping those options name (ids are validated by the API, encoded here). */
export function mappingPath(values: Parsed["values"]): string {
  return `/mappings/${encodeURIComponent(required(values, "collection"))}/${encodeURIComponent(required(values, "group"))}`;
}

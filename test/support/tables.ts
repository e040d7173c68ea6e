import { inject } from "vitest";
import { randomBytes } from "node:crypto";

/** The shared test Azurite's connection string (started by the global setup). */
export function testTablesConnection(): string {
  return inject("tablesConnection");
}

/** A table-name prefix no other test uses (letters and digits only, as Table Storage requires). */
export function uniqueTablePrefix(): string {
  return `t${randomBytes(5).toString("hex")}`;
}

import type { Logger } from "../../shared/logger.js";

export interface LogEntry {
  readonly level: "info" | "warn" | "error";
  readonly message: string;
  readonly properties: Record<string, unknown>;
}

/** A Logger that keeps what it was told, so a test can read the lines an operator would see. */
export function logRecorder(): Logger & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const record =
    (level: LogEntry["level"]) =>
    (message: string, properties: Record<string, unknown> = {}) => {
      entries.push({ level, message, properties });
    };
  return { entries, info: record("info"), warn: record("warn"), error: record("error") };
}

import type { Logger } from "../logger.js";

/**
 * What a Functions `InvocationContext` offers for logging, described structurally so `shared/` needs no
 * Functions types. Logging through the invocation keeps each line attached to its invocation in
 * Application Insights.
 */
export interface LogSink {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** One line per entry: the message, then its properties as JSON (queryable with parse_json). */
export function loggerFor(sink: LogSink): Logger {
  const line = (message: string, properties?: Record<string, unknown>) => (properties === undefined ? message : `${message} ${JSON.stringify(properties)}`);
  return {
    info: (message, properties) => sink.info(line(message, properties)),
    warn: (message, properties) => sink.warn(line(message, properties)),
    error: (message, properties) => sink.error(line(message, properties)),
    metric: (name, value, properties) => sink.info(line(`metric ${name}`, { metric: name, value, ...properties })),
  };
}

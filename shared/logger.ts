/** Structured logging the core uses; the Functions host's context or the console implements it. */
export interface Logger {
  info(message: string, properties?: Record<string, unknown>): void;
  warn(message: string, properties?: Record<string, unknown>): void;
  error(message: string, properties?: Record<string, unknown>): void;
  /**
   * A numeric measurement (e.g. `collectionSync.membersAdded`). Written as a trace line `metric <name> {json}`
   * so Application Insights queries can chart it without an extra SDK (docs/operating.md).
   */
  metric?(name: string, value: number, properties?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** JSON lines to a stream; `metrics: false` leaves metric lines out (a person watching `serve` wants runs, not numbers). */
export function consoleLogger(stream: NodeJS.WritableStream = process.stderr, options: { metrics?: boolean } = {}): Logger {
  const write = (level: string, message: string, properties?: Record<string, unknown>) =>
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...properties })}\n`);
  return {
    info: (m, p) => write("info", m, p),
    warn: (m, p) => write("warn", m, p),
    error: (m, p) => write("error", m, p),
    ...(options.metrics === false
      ? {}
      : { metric: (name: string, value: number, p?: Record<string, unknown>) => write("metric", name, { metric: name, value, ...p }) }),
  };
}

/**
 * `collection-sync serve` in a process of its own (started by serveChild.ts), so the bench measures it from outside
 * as a browser would and its figures (latency, peak RSS, event-loop delay) are the server's alone. Sends
 * `{ url, pid }` once it listens; answers "loop-delay" with the event loop's delay since the last ask; stops on
 * "close". The timer is off, so only the syncs a scenario asks for run; the store is the bench's Azurite
 * (TABLES_CONNECTION).
 */
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { startServe } from "../cli/commands/serveCommand.js";
import { consoleLogger, silentLogger } from "../shared/logger.js";

/** Event-loop delay in ms (what every request waiting on the loop waits on top of its own work). */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
  /** The V8 heap's peak use over the same time (live objects and garbage not yet collected), MiB. */
  readonly heapMiB: number;
  /** The longest garbage-collection pause over the same time (ms): what of the delay the collector caused. */
  readonly gcMaxMs: number;
}

async function main(): Promise<void> {
  const handle = await startServe({
    port: 0,
    host: "127.0.0.1",
    env: process.env,
    io: { out: () => {}, err: (text: string) => process.stderr.write(`${text}\n`) },
    // BENCH_SERVE_LOG=1: the app's log on stderr, to see why a scenario stalls.
    log: process.env["BENCH_SERVE_LOG"] === "1" ? consoleLogger(process.stderr) : silentLogger,
    schedule: false,
  });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let heapPeak = 0;
  let gcMax = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMax = Math.max(gcMax, entry.duration);
  }).observe({ entryTypes: ["gc"] });
  setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 100).unref();
  process.send?.({ url: handle.url, pid: process.pid });
  process.on("message", (message) => {
    if (message === "close") void handle.close().then(() => process.exit(0));
    if (message === "loop-delay") {
      const ms = (ns: number) => Math.round(ns / 1e5) / 10;
      const loopDelay: LoopDelay = {
        p50: ms(delay.percentile(50)),
        p99: ms(delay.percentile(99)),
        max: ms(delay.max),
        samples: delay.count,
        heapMiB: Math.round(heapPeak / 1_048_576),
        gcMaxMs: Math.round(gcMax),
      };
      delay.reset();
      heapPeak = 0;
      gcMax = 0;
      process.send?.({ loopDelay });
    }
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`serve host failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});

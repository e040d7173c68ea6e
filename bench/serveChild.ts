/**
 * `collection-sync serve` in a process of its own (serveHost.ts), as the bench's scenarios measure it from outside:
 * its peak RSS (Linux VmHWM) and the delay of its event loop are the server's alone.
 */
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import type { LoopDelay } from "./serveHost.js";

export interface ServeChild {
  readonly url: string;
  readonly pid: number;
  /** Peak resident set size so far (Linux VmHWM), MiB; null without /proc. */
  peakRssMiB(): number | null;
  /** The event loop's delay since the last call (or since start), and the histogram starts afresh. */
  loopDelay(): Promise<LoopDelay>;
  close(): Promise<void>;
}

/** Starts serve with the bench's Azurite (`TABLES_CONNECTION`) and `env` on top of the bench's own environment. */
/** 5/8 of a 2,048 MB Flex Consumption instance, as infra/modules/functionApp.bicep sets it. */
const FLEX_HEAP_FLAG = "--max-old-space-size=1280";

export async function startServeChild(connectionString: string, env: Record<string, string> = {}): Promise<ServeChild> {
  const child = fork(new URL("./serveHost.js", import.meta.url), [], {
    stdio: ["ignore", "ignore", 2, "ipc"],
    // The heap limit the deployment sets on a 2,048 MB instance (NODE_OPTIONS in infra/modules/functionApp.bicep),
    // so V8 collects as it would there. BENCH_SERVE_EXEC_ARGV="--cpu-prof --cpu-prof-dir=/tmp/prof" adds flags, e.g.
    // to profile the app and see what holds its event loop.
    execArgv: [FLEX_HEAP_FLAG, ...(process.env["BENCH_SERVE_EXEC_ARGV"] ?? "").split(" ").filter((arg) => arg !== "")],
    env: { ...process.env, TABLES_CONNECTION: connectionString, API_KEY: "", API_READ_KEY: "", ...env },
  });
  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    child.once("message", (message) => resolve(message as { url: string; pid: number }));
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return {
    ...ready,
    peakRssMiB: () => peakRssOf(ready.pid),
    loopDelay: () =>
      new Promise<LoopDelay>((resolve) => {
        const answer = (message: unknown) => {
          if (typeof message === "object" && message !== null && "loopDelay" in message) {
            child.off("message", answer);
            resolve((message as { loopDelay: LoopDelay }).loopDelay);
          }
        };
        child.on("message", answer);
        child.send("loop-delay");
      }),
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send("close");
      }),
  };
}

/** A live process's peak resident set size (VmHWM), MiB. */
export function peakRssOf(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? null : Number(match[1]) / 1024;
  } catch {
    return null;
  }
}

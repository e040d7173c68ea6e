/** The bench's handle on a collector in its own process (collectorHost.ts). */
import { fork } from "node:child_process";
import type { PassSummary } from "../shared/collector/collectPass.js";
import { peakRssOf } from "./serveChild.js";

export interface CollectorPass {
  readonly summary: PassSummary;
  /** App requests and upload bytes (gzip, as on the wire) since the collector started. */
  readonly traffic: { readonly requests: number; readonly uploadBytes: number };
}

export interface CollectorChild {
  once(): Promise<CollectorPass>;
  /** Peak resident set size so far (Linux VmHWM), MiB. */
  peakRssMiB(): number | null;
  close(): Promise<void>;
}

export async function startCollectorChild(adminServiceUrl: string, appUrl: string, dataDir: string): Promise<CollectorChild> {
  const child = fork(new URL("./collectorHost.js", import.meta.url), [adminServiceUrl, appUrl, dataDir], { stdio: ["ignore", "ignore", 2, "ipc"] });
  const { pid } = await new Promise<{ pid: number }>((resolve, reject) => {
    child.once("message", (message) => resolve(message as { pid: number }));
    child.once("exit", (code) => reject(new Error(`the collector exited with ${code}`)));
  });
  return {
    once: () =>
      new Promise<CollectorPass>((resolve, reject) => {
        child.once("message", (message) => {
          const reply = message as CollectorPass | { error: string };
          if ("error" in reply) reject(new Error(`the collector's pass failed: ${reply.error}`));
          else resolve(reply);
        });
        child.send("once");
      }),
    peakRssMiB: () => peakRssOf(pid),
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send("close");
      }),
  };
}

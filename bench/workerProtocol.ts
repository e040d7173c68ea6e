/** Messages between the bench and its S5 worker processes (workerHost.ts): each worker is one app instance. */
import type { EngineSite } from "./benchRig.js";

export type WorkerRequest =
  | { readonly op: "start"; readonly site: EngineSite }
  | { readonly op: "sync"; readonly collectionId: string; readonly groupId: string }
  | { readonly op: "stats" | "close" };

/** One mapping's job as the worker ran it (epoch ms). */
export interface JobOutcome {
  readonly collectionId: string;
  readonly status: string;
  readonly added: number;
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** The worker's write phase (first write call started, last ended; epoch ms) and the warnings its engine logged. */
export interface WorkerStats {
  readonly firstWriteAt: number | null;
  readonly lastWriteAt: number | null;
  /** Graph HTTP requests its engine spent resolving members. */
  readonly resolutionRequests: number;
  readonly warnings: Record<string, number>;
}

export type WorkerReply =
  { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: string };

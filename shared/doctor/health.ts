import { ensureError } from "../errors.js";

export interface HealthCheck {
  /** e.g. "storage", "queue", "graph", "adminService". */
  readonly name: string;
  readonly ok: boolean;
  /** A short, caller-safe sentence (no connection strings, no tokens). */
  readonly detail?: string;
  readonly durationMs?: number;
}

export interface HealthReport {
  readonly checks: readonly HealthCheck[];
}

export type Probe = () => Promise<unknown>;

/** Fails a probe that neither answers nor fails in time: a hung dependency is a down dependency. */
async function withTimeout(probe: Probe, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every probe at once (the composition root passes e.g. a Table query, a Graph `GET /organization`),
 * for `ApiDeps.health`. A probe's error message becomes the check's detail, so probes should throw plain
 * sentences.
 */
export async function probeAll(probes: Readonly<Record<string, Probe>>, timeoutMs = 5_000): Promise<HealthReport> {
  const checks = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<HealthCheck> => {
      const started = Date.now();
      try {
        await withTimeout(probe, timeoutMs);
        return { name, ok: true, durationMs: Date.now() - started };
      } catch (error) {
        return { name, ok: false, detail: ensureError(error).message.slice(0, 200), durationMs: Date.now() - started };
      }
    }),
  );
  return { checks };
}

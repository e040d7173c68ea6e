import { ensureError } from "../errors.js";

export interface HealthCheck {
  /** e.g. "storage", "queue", "graph", "adminService". */
  readonly name: string;
  readonly ok: boolean;
  /** A short, caller-safe sentence (no connection strings, no tokens). */
  readonly detail?: string;
  readonly durationMs?: number;
  /** When the probe ran (ISO 8601): a report reused for a while (`reusedWhileFresh`) says how old it is. */
  readonly checkedAt?: string;
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
      const checkedAt = new Date(started).toISOString();
      try {
        await withTimeout(probe, timeoutMs);
        return { name, ok: true, durationMs: Date.now() - started, checkedAt };
      } catch (error) {
        return { name, ok: false, detail: ensureError(error).message.slice(0, 200), durationMs: Date.now() - started, checkedAt };
      }
    }),
  );
  return { checks };
}

/** /api/health reads its dependencies at most every 15 s; an answer up to a minute old stands in while a new one is made. */
export const HEALTH_REUSE = { freshMs: 15_000, staleMs: 60_000 } as const;

export interface ReuseOptions {
  /** A report younger than this is answered as it is. */
  readonly freshMs: number;
  /** Up to this age a report is answered while a new one is being made; older, the caller waits for the new one. */
  readonly staleMs: number;
  readonly now?: () => number;
}

/**
 * Health reports that answer at once: a load balancer polling every few seconds must neither spend Graph's budget
 * on every poll nor wait behind a large sync's Graph requests (the probes share its tenant's pacing). The probes
 * run at most once per `freshMs`, callers at the same moment share one run, and while a new report is made the
 * last one (each check says when it ran) answers, so a dependency that goes down shows within `freshMs` plus the
 * probe's timeout.
 */
export function reusedWhileFresh<T>(report: () => Promise<T>, options: ReuseOptions): () => Promise<T> {
  const now = options.now ?? Date.now;
  let last: { readonly report: T; readonly at: number } | null = null;
  let running: Promise<T> | null = null;
  const refresh = (): Promise<T> => {
    running ??= report()
      .then((made) => {
        last = { report: made, at: now() };
        return made;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  return async () => {
    const age = last === null ? Number.POSITIVE_INFINITY : now() - last.at;
    if (last !== null && age < options.freshMs) return last.report;
    const made = refresh();
    return last !== null && age < options.staleMs ? last.report : made;
  };
}

import type { StoredReport } from "../sync/runStore.js";

export interface ReportCacheOptions {
  /** Decoded reports kept, by estimated size; the least recently read goes first. Default 256 MiB. */
  readonly maxBytes?: number;
  /** Reports decoded at the same time (decoding is CPU work: more would only slow every request). Default 2. */
  readonly decodesAtOnce?: number;
}

/** A report's rough size in memory: its strings (UTF-16) and the objects that hold them. */
export function reportBytes(report: StoredReport): number {
  let bytes = 64;
  for (const entry of report.entries) {
    bytes += 160 + 2 * ((entry.name?.length ?? 0) + (entry.entraId?.length ?? 0) + (entry.objectId?.length ?? 0) + (entry.error?.length ?? 0));
  }
  return bytes;
}

/**
 * Decoded run reports, in process. A recorded report never changes, so a cached one is never stale; the cache
 * is bounded by bytes (LRU), a report is decoded once however many ask for it at the same time (they share the
 * read), and only `decodesAtOnce` decodes run at once, so a burst of CSV downloads cannot starve other requests.
 */
export function createReportCache(options: ReportCacheOptions = {}) {
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const kept = new Map<string, { report: StoredReport | null; bytes: number }>();
  const reading = new Map<string, Promise<StoredReport | null>>();
  let bytes = 0;
  const slots = semaphore(options.decodesAtOnce ?? 2);

  function keep(key: string, report: StoredReport | null): void {
    const size = report === null ? 64 : reportBytes(report);
    // One report larger than the whole cache is served, not kept.
    if (size > maxBytes) return;
    kept.set(key, { report, bytes: size });
    bytes += size;
    for (const [oldest, entry] of kept) {
      if (bytes <= maxBytes) break;
      kept.delete(oldest);
      bytes -= entry.bytes;
    }
  }

  return {
    /** The report of `key`, from memory or read with `read` (at most `decodesAtOnce` reads at once). */
    async get(key: string, read: () => Promise<StoredReport | null>): Promise<StoredReport | null> {
      const hit = kept.get(key);
      if (hit !== undefined) {
        kept.delete(key);
        kept.set(key, hit);
        return hit.report;
      }
      const pending = reading.get(key);
      if (pending !== undefined) return pending;
      const started = slots
        .run(read)
        .then((report) => {
          // A run without a report is not kept: its report may still be being written (record writes it first).
          if (report !== null) keep(key, report);
          return report;
        })
        .finally(() => reading.delete(key));
      reading.set(key, started);
      return started;
    },
    stats: () => ({ reports: kept.size, bytes }),
  };
}

export type ReportCache = ReturnType<typeof createReportCache>;

function semaphore(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      else free -= 1;
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next === undefined) free += 1;
        else next();
      }
    },
  };
}

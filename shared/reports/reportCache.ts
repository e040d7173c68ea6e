import pLimit from "p-limit";
import type { StoredReport } from "../core/ports/runStore.js";

export interface MemoCacheOptions {
  /** Values kept, by their estimated size; the least recently read goes first. */
  readonly maxBytes: number;
  /** Values made at the same time (making one is CPU work: more would only slow every request). Default 2. */
  readonly makingAtOnce?: number;
}

/**
 * Values that never change once made (a recorded run's report, its CSV), kept in process: bounded by bytes
 * (LRU), made once however many ask for one at the same time (they share the work), and at most
 * `makingAtOnce` made at once, so a burst of downloads cannot starve other requests.
 */
export function createMemoCache<T>(sizeOf: (value: T) => number, options: MemoCacheOptions) {
  const kept = new Map<string, { value: T; bytes: number }>();
  const making = new Map<string, Promise<T | null>>();
  let bytes = 0;
  const slots = pLimit(options.makingAtOnce ?? 2);

  function keep(key: string, value: T): void {
    const size = sizeOf(value);
    // One value larger than the whole budget is served, not kept.
    if (size > options.maxBytes) return;
    kept.set(key, { value, bytes: size });
    bytes += size;
    for (const [oldest, entry] of kept) {
      if (bytes <= options.maxBytes) break;
      kept.delete(oldest);
      bytes -= entry.bytes;
    }
  }

  return {
    /** The value of `key`, from memory or made with `make`; null (nothing to keep) is returned, not kept. */
    async get(key: string, make: () => Promise<T | null>): Promise<T | null> {
      const hit = kept.get(key);
      if (hit !== undefined) {
        kept.delete(key);
        kept.set(key, hit);
        return hit.value;
      }
      const pending = making.get(key);
      if (pending !== undefined) return pending;
      const started = slots(make)
        .then((value) => {
          if (value !== null) keep(key, value);
          return value;
        })
        .finally(() => making.delete(key));
      making.set(key, started);
      return started;
    },
    stats: () => ({ values: kept.size, bytes }),
  };
}

export type MemoCache<T> = ReturnType<typeof createMemoCache<T>>;

/** A report's rough size in memory: its strings (UTF-16) and the objects that hold them. */
export function reportBytes(report: StoredReport): number {
  let bytes = 64;
  for (const entry of report.entries) {
    bytes += 160 + 2 * ((entry.name?.length ?? 0) + (entry.entraId?.length ?? 0) + (entry.objectId?.length ?? 0) + (entry.error?.length ?? 0));
  }
  return bytes;
}

/**
 * Decoded run reports. A run without a report is not kept (its report may still be being written: `record`
 * writes the report first, so this is brief), a recorded one never changes, so a kept one is never stale.
 */
export function createReportCache(options: { readonly maxBytes?: number; readonly decodesAtOnce?: number } = {}): MemoCache<StoredReport> {
  return createMemoCache(reportBytes, { maxBytes: options.maxBytes ?? 128 * 1024 * 1024, makingAtOnce: options.decodesAtOnce ?? 2 });
}

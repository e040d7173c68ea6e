/**
 * Peak memory while a scenario runs: resident set size of the bench process (engine, adapters, embedded Azurite)
 * and the V8 heap in use (live objects plus garbage not yet collected).
 */
export interface MemorySampler {
  /** Stops sampling and returns the peaks in MiB. */
  stop(): { rssMiB: number; heapMiB: number };
}

const MIB = 1024 * 1024;

export function sampleMemory(intervalMs = 50): MemorySampler {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    rss = Math.max(rss, usage.rss);
    heap = Math.max(heap, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rssMiB: Math.round((rss / MIB) * 10) / 10, heapMiB: Math.round((heap / MIB) * 10) / 10 };
    },
  };
}

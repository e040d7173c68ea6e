import { describe, expect, it } from "vitest";
import { createReportCache, reportBytes } from "../../shared/reports/reportCache.js";
import type { StoredReport } from "../../shared/core/ports/runStore.js";

function report(members: number): StoredReport {
  return {
    truncated: 0,
    entries: Array.from({ length: members }, (_, i) => ({
      outcome: "added",
      reason: null,
      resourceId: i,
      name: `PC-${i}`,
      entraId: null,
      objectId: null,
      error: null,
    })),
  };
}

/** A reader that counts how often, and how many at once, the store is read. */
function countingReader(members = 10, waitMs = 20) {
  const counter = { reads: 0, inFlight: 0, mostInFlight: 0 };
  const read = async () => {
    counter.reads += 1;
    counter.inFlight += 1;
    counter.mostInFlight = Math.max(counter.mostInFlight, counter.inFlight);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    counter.inFlight -= 1;
    return report(members);
  };
  return { counter, read };
}

describe("run report cache", () => {
  it("reads a report once however many ask for it at the same time, and serves it from memory afterwards", async () => {
    const cache = createReportCache();
    const { counter, read } = countingReader();
    const answers = await Promise.all(Array.from({ length: 100 }, () => cache.get("m/run-1", read)));
    expect(new Set(answers).size).toBe(1);
    await cache.get("m/run-1", read);
    expect(counter.reads).toBe(1);
  });

  it("reads at most two reports at a time, so a burst of downloads does not starve other requests", async () => {
    const cache = createReportCache({ decodesAtOnce: 2 });
    const { counter, read } = countingReader();
    await Promise.all(Array.from({ length: 10 }, (_, i) => cache.get(`m/run-${i}`, read)));
    expect(counter.reads).toBe(10);
    expect(counter.mostInFlight).toBe(2);
  });

  it("stays within its byte budget by dropping the report read least recently", async () => {
    const size = reportBytes(report(100));
    const cache = createReportCache({ maxBytes: size * 2 + 10 });
    const { counter, read } = countingReader(100, 0);
    await cache.get("a", () => read());
    await cache.get("b", () => read());
    await cache.get("a", () => read()); // a is now the most recent
    await cache.get("c", () => read()); // drops b
    expect(cache.stats()).toEqual({ values: 2, bytes: size * 2 });
    const before = counter.reads;
    await cache.get("a", () => read());
    expect(counter.reads).toBe(before);
    await cache.get("b", () => read());
    expect(counter.reads).toBe(before + 1);
  });

  it("serves a report larger than the whole budget without keeping it, and does not keep a missing one", async () => {
    const cache = createReportCache({ maxBytes: 1000 });
    expect((await cache.get("big", async () => report(1000)))?.entries).toHaveLength(1000);
    expect(await cache.get("none", async () => null)).toBeNull();
    expect(cache.stats()).toEqual({ values: 0, bytes: 0 });
  });
});

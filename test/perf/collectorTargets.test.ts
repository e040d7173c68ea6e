import { describe, expect, it } from "vitest";
import { judgeCollectorScenario, type CollectorFigures } from "../../bench/collectorTargets.js";

/** S6 as the issue sizes it: 101,000 members after 1,000 joined. */
const collection = { members: 101_000, changed: 1_000 };

const passing: CollectorFigures = {
  graphRequests: 8,
  graphReads: 60,
  graphWrites: 50,
  adminServiceRequests: 110,
  throttled: 0,
  wallMs: 9_000,
  writePhaseMs: 0,
  throttleMinMs: 0,
  peakRssMiB: 400,
  peakHeapMiB: 200,
  resolutionRequests: 0,
  collectorMs: 5_000,
  appSyncMs: 4_000,
  uploadBytes: 900 * 1024,
  appRequests: 7,
  members: 101_000,
  collectorResult: "uploaded",
};

function judged(overrides: Partial<CollectorFigures>): Record<string, boolean> {
  return Object.fromEntries(judgeCollectorScenario({ ...passing, ...overrides }, collection).map((t) => [t.name, t.holds]));
}

describe("bench S6 targets (the collector end to end)", () => {
  it("hold for a small upload, a fast end to end and few AdminService requests", () => {
    expect(Object.values(judged({})).every(Boolean)).toBe(true);
  });

  it("misses an upload over 5 MiB of gzip", () => {
    expect(judged({ uploadBytes: 5 * 1024 * 1024 + 1 })["S6 upload (MiB, gzip)"]).toBe(false);
    expect(judged({ uploadBytes: 5 * 1024 * 1024 })["S6 upload (MiB, gzip)"]).toBe(true);
  });

  it("allows the end to end twice the write budget's minimum plus 10 seconds", () => {
    const name = "S6 end to end (s, ≤ 2 × write-budget minimum + 10 s)";
    expect(judged({ wallMs: 10_001 })[name]).toBe(false);
    // Where the write budget binds, the limit grows with it.
    expect(judged({ wallMs: 30_000, throttleMinMs: 10_000 })[name]).toBe(true);
    expect(judged({ wallMs: 30_001, throttleMinMs: 10_000 })[name]).toBe(false);
  });

  it("holds the collector to the app's AdminService bound for a change: ⌈N/1,000⌉ + ⌈changed/15⌉ + 3", () => {
    const name = "S6 collector AdminService requests (⌈N/1,000⌉ + ⌈changed/15⌉ + 3)";
    expect(judged({ adminServiceRequests: 101 + 67 + 3 })[name]).toBe(true);
    expect(judged({ adminServiceRequests: 101 + 67 + 4 })[name]).toBe(false);
  });

  it("fails when the collector did not upload the whole collection", () => {
    const name = "S6 collector uploaded a snapshot of 101000 members";
    expect(judged({ collectorResult: "failed" })[name]).toBe(false);
    expect(judged({ members: 100_000 })[name]).toBe(false);
  });
});

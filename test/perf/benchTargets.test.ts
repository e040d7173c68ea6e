import { describe, expect, it } from "vitest";
import type { ScenarioFigures } from "../../bench/figures.js";
import { percentile } from "../../bench/latencyScenario.js";
import { judgePacingCell } from "../../bench/pacingScenario.js";
import { judgeScaleScenario, type ScaleFigures } from "../../bench/scaleTargets.js";
import { adminServiceBound, judgeTargets, median, unchangedTargets, type MeasuredScenarios } from "../../bench/targets.js";

const base: ScenarioFigures = {
  graphRequests: 0,
  graphReads: 0,
  graphWrites: 0,
  adminServiceRequests: 0,
  throttled: 0,
  wallMs: 0,
  writePhaseMs: 0,
  throttleMinMs: 0,
  peakRssMiB: 100,
  peakHeapMiB: 50,
  resolutionRequests: 0,
};

function scenarios(overrides: Partial<Record<keyof MeasuredScenarios, Partial<ScenarioFigures>>> = {}): MeasuredScenarios {
  return {
    S1: { ...base, graphRequests: 1_000, writePhaseMs: 110_000, throttleMinMs: 100_000, peakRssMiB: 400, ...overrides.S1 },
    S2: { ...base, graphRequests: 1, adminServiceRequests: 1, ...overrides.S2 },
    S3: { ...base, graphRequests: 9, resolutionRequests: 4, adminServiceRequests: 113, ...overrides.S3 },
    S4: { ...base, wallMs: 700, ...overrides.S4 },
    S1u: { ...base, ...overrides.S1u },
    S3u: { ...base, adminServiceRequests: 119, ...overrides.S3u },
    naiveS1: { ...base, graphRequests: 200_000, peakRssMiB: null, ...overrides.naiveS1 },
  };
}

const sizes = { joining: 1_000, collectionAfterS3: 111_000, joiningUsers: 1_000, userCollectionAfterS3u: 51_000 };
const holds = (s: MeasuredScenarios) => Object.fromEntries(judgeTargets({ scenarios: s, ...sizes, checks: [] }).map((t) => [t.name, t.holds]));

describe("bench targets", () => {
  it("hold for figures inside every limit", () => {
    expect(Object.values(holds(scenarios())).every(Boolean)).toBe(true);
  });

  it("each miss is reported against its own target", () => {
    const missed = holds(
      scenarios({
        S1: { graphRequests: 2_001, writePhaseMs: 121_000, peakRssMiB: 513 },
        S2: { graphRequests: 3, adminServiceRequests: 2 },
        S3: { graphRequests: 10, adminServiceRequests: 182 },
        S4: { wallMs: 10_001 },
        S3u: { adminServiceRequests: 122 },
      }),
    );
    expect(Object.values(missed).filter((ok) => !ok)).toHaveLength(9);
  });

  it("bounds a collection change's AdminService requests by its windows and the joiners' look-ups: 181 for 1,000 joining 111,000", () => {
    expect(adminServiceBound(111_000, 1_000)).toBe(181);
    expect(adminServiceBound(51_000, 1_000)).toBe(121);
  });

  it("calls the write-phase target not applicable when the write budget does not bind", () => {
    const [, writePhase] = judgeTargets({ scenarios: scenarios({ S1: { throttleMinMs: 0 } }), ...sizes, checks: [] });
    expect(writePhase?.holds).toBe(true);
    expect(writePhase?.note).toMatch(/not applicable/);
  });

  it("fails the run when a correctness check fails", () => {
    const targets = judgeTargets({ scenarios: scenarios(), ...sizes, checks: [{ name: "S1 group holds everyone", passed: false }] });
    expect(targets.at(-1)).toMatchObject({ name: "S1 group holds everyone", holds: false });
  });

  describe("S4 unchanged runs (10,000 mappings that did not change)", () => {
    const fleet = (graphRequests: number, adminServiceRequests: number) => ({ ...base, graphRequests, adminServiceRequests });

    it("hold at one Graph and one AdminService request per mapping, every run skipped", () => {
      expect(unchangedTargets(fleet(10_000, 10_000), 10_000, 10_000).every((t) => t.holds)).toBe(true);
    });

    it("miss when the runs cost a second Graph or AdminService request, or one mapping was not skipped", () => {
      const missed = (targets: ReturnType<typeof unchangedTargets>) => targets.filter((t) => !t.holds).map((t) => t.name);
      expect(missed(unchangedTargets(fleet(10_001, 10_000), 10_000, 10_000))).toEqual(["S4 unchanged runs: Graph requests (≤ 1 per mapping)"]);
      expect(missed(unchangedTargets(fleet(10_000, 20_000), 10_000, 10_000))).toEqual(["S4 unchanged runs: AdminService requests (≤ 1 per mapping)"]);
      expect(missed(unchangedTargets(fleet(10_000, 10_000), 10_000, 9_999))).toEqual(["S4 unchanged runs: all 10000 skipped-unchanged"]);
    });
  });

  describe("S5 (8 instances, one tenant)", () => {
    const S5 = { ...base, graphWrites: 5_000, throttled: 200, writePhaseMs: 125_000, throttleMinMs: 100_000 };
    const judge = (figures: Partial<ScenarioFigures>, mappingMs: readonly number[]) =>
      Object.fromEntries(judgeTargets({ scenarios: { S5: { ...S5, ...figures } }, ...sizes, fleetMappingMs: mappingMs, checks: [] }).map((t) => [t.name, t]));

    it("holds within 1.3× the write minimum, 5 % 429s and the slowest mapping within 2× the median", () => {
      const targets = judge({}, [60_000, 100_000, 100_000, 110_000, 119_000]);
      expect(Object.values(targets).map((t) => t.holds)).toEqual([true, true, true]);
    });

    it("misses each one on its own: a slow aggregate, a 429 storm, a starved mapping", () => {
      const targets = judge({ writePhaseMs: 131_000, throttled: 251 }, [40_000, 40_000, 40_000, 88_000]);
      expect(targets["S5 aggregate write phase ÷ throttle minimum (×)"]?.holds).toBe(false);
      expect(targets["S5 429s ÷ write requests (%)"]?.holds).toBe(false);
      expect(targets["S5 slowest mapping ÷ median mapping (×)"]).toMatchObject({ value: 2.2, holds: false });
    });

    it("takes the median of an even count as the mean of the middle two", () => {
      expect(median([1, 2, 3, 4])).toBe(2.5);
      expect(median([5])).toBe(5);
      expect(median([])).toBe(0);
    });
  });
});

describe("S4 at 10,000 mappings", () => {
  const judged = (tableRequests: number) =>
    judgeTargets({ scenarios: { S4: { ...base, wallMs: 4_000, tableRequests } }, ...sizes, mappings: 10_000, checks: [] }).find((t) =>
      t.name.startsWith("S4 Table Storage"),
    );

  it("holds with a paged read of mappings and one of their states (about 20 requests for 10,000)", () => {
    expect(judged(22)).toMatchObject({ holds: true, limit: 30 });
  });

  it("misses when each mapping's state is read on its own", () => {
    expect(judged(10_020)?.holds).toBe(false);
  });
});

describe("S8 pacing grid cells", () => {
  const cell = { perSecond: 5, burst: 100 };
  const figures = (writePhaseMs: number, throttled: number): ScenarioFigures => ({ ...base, graphWrites: 400, throttled, writePhaseMs, throttleMinMs: 60_000 });

  it("holds within 1.3× the minimum the granted budget allows and 10 % of writes refused", () => {
    expect(judgePacingCell(cell, figures(75_000, 39), 8_000, 8_000).every((t) => t.holds)).toBe(true);
  });

  it("misses a slow cell, a cell with too many 429s, and a group short of members, each on its own", () => {
    const names = (targets: { name: string; holds: boolean }[]) => targets.filter((t) => !t.holds).map((t) => t.name);
    expect(names(judgePacingCell(cell, figures(80_000, 0), 8_000, 8_000))).toEqual(["S8 5/s burst 100: write phase ÷ minimum (×)"]);
    expect(names(judgePacingCell(cell, figures(60_000, 60), 8_000, 8_000))).toEqual(["S8 5/s burst 100: 429s ÷ write requests (%)"]);
    expect(names(judgePacingCell(cell, figures(60_000, 0), 8_000, 7_999))).toEqual(["S8 5/s burst 100: group holds the 8000 members"]);
  });

  it("holds the documented budget to S1's targets (1.2×, 5 %)", () => {
    const documented = { perSecond: 20, burst: 3_000 };
    expect(judgePacingCell(documented, figures(75_000, 0), 8_000, 8_000)[0]?.holds).toBe(false);
    expect(judgePacingCell(documented, figures(60_000, 30), 8_000, 8_000)[1]?.holds).toBe(false);
  });
});

describe("S9 latency percentile", () => {
  it("takes the nearest rank: of 20 changes, p95 is the 19th slowest-but-one, so one straggler does not decide it", () => {
    const latencies = Array.from({ length: 20 }, (_, i) => (i + 1) * 1_000);
    expect(percentile(latencies, 0.95)).toBe(19_000);
    expect(percentile(latencies, 0.5)).toBe(10_000);
    expect(percentile([], 0.95)).toBe(0);
  });
});

describe("S7 a 1,000,000-member collection", () => {
  const MiB = 1024 * 1024;
  const s7 = (figures: Partial<ScaleFigures> = {}): ScaleFigures => ({
    mode: "adminservice",
    members: 1_000_000,
    change: 10_000,
    firstSyncMs: 600_000,
    firstStatus: "succeeded",
    groupAfterFirst: 1_000_000,
    changeMs: 20_000,
    changeStatus: "succeeded",
    changeGraphRequests: 71,
    changeAdminServiceRequests: 1_680,
    changeUploadBytes: 0,
    appPeakRssMiB: 1_536,
    collectorPeakRssMiB: null,
    loopDelay: { p50: 12, p99: 250, max: 400, samples: 10_000, heapMiB: 900, gcMaxMs: 80 },
    healthP99Ms: 80,
    healthMaxMs: 500,
    healthCalls: 2_000,
    ...figures,
  });
  const missed = (f: ScaleFigures) =>
    judgeScaleScenario(f)
      .filter((t) => !t.holds)
      .map((t) => t.name);

  it("holds at the limits: the app in 1,536 MiB, p99 delay 250 ms, health answered within 500 ms, the change within S3's formulas", () => {
    const targets = judgeScaleScenario(s7());
    expect(targets.every((t) => t.holds)).toBe(true);
    // 2 + ⌈10,000/400⌉ + ⌈10,000/300⌉ + ⌈10,000/1,000⌉ (the delta read past its own writes) Graph and ⌈1,010,000/1,000⌉ + ⌈10,000/15⌉ + 3 AdminService.
    expect(targets.find((t) => t.name.includes("Graph requests"))?.limit).toBe(71);
    expect(targets.find((t) => t.name.includes("AdminService requests"))?.limit).toBe(1_680);
  });

  it("misses each target on its own, named with the source mode", () => {
    expect(missed(s7({ firstStatus: "failed" }))).toEqual(["S7 adminservice: first sync of 1000000 members succeeded, the group holds them all"]);
    expect(missed(s7({ groupAfterFirst: 999_999 }))).toEqual(["S7 adminservice: first sync of 1000000 members succeeded, the group holds them all"]);
    expect(missed(s7({ changeStatus: "rescheduled" }))).toEqual(["S7 adminservice: the 10000-member change succeeded"]);
    expect(missed(s7({ appPeakRssMiB: 1_537 }))).toEqual(["S7 adminservice: app peak RSS (MiB)"]);
    expect(missed(s7({ loopDelay: { p50: 12, p99: 251, max: 400, samples: 10_000, heapMiB: 900, gcMaxMs: 80 } }))).toEqual([
      "S7 adminservice: app event-loop delay p99 (ms)",
    ]);
    expect(missed(s7({ healthMaxMs: 501 }))).toEqual(["S7 adminservice: GET /api/health, slowest (ms)"]);
    expect(missed(s7({ changeGraphRequests: 72 }))).toEqual(["S7 adminservice: change: Graph requests (2 + ⌈c/400⌉ + ⌈c/300⌉ + ⌈c/1,000⌉)"]);
    expect(missed(s7({ changeAdminServiceRequests: 1_681 }))).toEqual(["S7 adminservice: change: AdminService requests (⌈N/1,000⌉ + ⌈c/15⌉ + 3)"]);
  });

  it("judges the collector's memory and the change's upload in pushed mode only", () => {
    const pushed = (figures: Partial<ScaleFigures>) => s7({ mode: "pushed", collectorPeakRssMiB: 1_024, changeUploadBytes: 10 * MiB, ...figures });
    expect(judgeScaleScenario(pushed({})).map((t) => [t.name, t.holds])).toEqual(
      expect.arrayContaining([
        ["S7 pushed: collector peak RSS (MiB)", true],
        ["S7 pushed: change: upload (MiB, gzip)", true],
      ]),
    );
    expect(missed(pushed({ collectorPeakRssMiB: 1_025 }))).toEqual(["S7 pushed: collector peak RSS (MiB)"]);
    expect(missed(pushed({ changeUploadBytes: 10 * MiB + 1 }))).toEqual(["S7 pushed: change: upload (MiB, gzip)"]);
    // A collector that never reported its memory does not pass for a small one.
    expect(missed(pushed({ collectorPeakRssMiB: null }))).toEqual(["S7 pushed: collector peak RSS (MiB)"]);

    const adminService = judgeScaleScenario(s7({ changeUploadBytes: 50 * MiB, collectorPeakRssMiB: 5_000 }));
    expect(adminService.every((t) => t.holds)).toBe(true);
    expect(adminService.some((t) => t.name.includes("collector") || t.name.includes("upload"))).toBe(false);
  });
});

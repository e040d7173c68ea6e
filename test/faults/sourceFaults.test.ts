import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SyncMode } from "../../shared/core/mapping.js";
import type { FaultSpec } from "../../simulator/index.js";
import { range } from "../support/fixtures.js";
import { cleanOutcome, expectCleanEnd, lastSeq, removedSince, type Prepare } from "./support/oracle.js";
import { worldsPerTest } from "./support/worlds.js";
import { tallyScenario } from "./support/tally.js";
import { startFaultWorld, type Scenario } from "./support/world.js";

const worlds = worldsPerTest();

/** First clean sync of 1..40 (plus three members added by hand); then 5 leave and 5 arrive — every guard lets that pass. */
function churnScenario(mode: SyncMode): Scenario {
  // mirror would (rightly) remove hand-added members; keep them in managed only, where they are protected.
  return { mode, collection: range(1, 40), others: range(41, 45), handAdded: mode === "managed" ? range(901, 903) : [] };
}
const churn: Prepare = async (w) => {
  expect((await w.run()).status).toBe("succeeded");
  w.setCollection(range(6, 45));
};

const MEMBERSHIP = /SMS_FullCollectionMembership/;
/** What an AdminService can do wrong, as the simulator scripts it (README "How it works" step 3: never diff against partial data). */
const SOURCE_FAULTS: Record<string, FaultSpec> = {
  "membership 500": { service: "adminService", path: MEMBERSHIP, status: 500 },
  "membership empty": { service: "adminService", path: MEMBERSHIP, emptyResult: true },
  "membership truncated": { service: "adminService", path: MEMBERSHIP, truncatePaging: true },
  "device records 500": { service: "adminService", path: /SMS_R_System/, status: 500 },
  "device records truncated": { service: "adminService", path: /SMS_R_System/, truncatePaging: true },
  "collection row empty": { service: "adminService", path: /SMS_Collection\(/, emptyResult: true },
  "collection 503 past Retry-After": { service: "adminService", status: 503, retryAfterSeconds: 120 },
};

/** The faulty run removes nothing (and writes nothing it should not); once the fault is gone the next run ends clean. */
async function faultyThenRecovered(name: string, mode: SyncMode, fault: FaultSpec, options: { sourceTimeoutMs?: number } = {}) {
  const scenario = churnScenario(mode);
  const { reference, world, from } = await worlds.startWithReference(scenario, churn);
  expect(reference.removed.size).toBe(mode === "additive" ? 0 : 5);
  const before = world.members();
  const handle = world.fault(fault);
  const deps = options.sourceTimeoutMs === undefined ? world.deps : world.worker({ sourceTimeoutMs: options.sourceTimeoutMs });

  const faulty = await world.run(deps);

  expect(faulty.status).toBe("failed");
  expect(removedSince(world, from)).toEqual(new Set());
  expect(world.tenant.requestLog.filter((e) => e.seq > from && e.kind === "write")).toEqual([]);
  expect(world.members()).toEqual(before);
  handle.remove();
  const recovery = await world.run();
  expect(recovery.status).toBe("succeeded");
  await expectCleanEnd(`${name} (${mode})`, world, reference, from);
}

describe("a ConfigMgr read that fails or comes back incomplete changes nothing", () => {
  for (const mode of ["mirror", "managed"] as const) {
    it.each(Object.keys(SOURCE_FAULTS))(`%s (${mode})`, async (name) => {
      await faultyThenRecovered(name, mode, SOURCE_FAULTS[name] as FaultSpec);
    });

    it(`an AdminService that never answers (${mode})`, async () => {
      await faultyThenRecovered("membership hangs", mode, { service: "adminService", path: MEMBERSHIP, hang: true }, { sourceTimeoutMs: 150 });
    });
  }
});

describe("one device-record page cut short in a large collection", () => {
  it("fails the read instead of taking its devices for ones without an Entra identity (which mirror would remove)", async () => {
    // 200 members; then 5 leave and 200 join, whose records are looked up; the look-up comes back with half
    // its rows and no sign of more (nothing documents $count to tell).
    const scenario: Scenario = { mode: "mirror", collection: range(1, 200), others: range(201, 400) };
    const prepare: Prepare = async (w) => {
      expect((await w.run()).status).toBe("succeeded");
      w.setCollection(range(6, 400));
    };
    const { reference, world, from } = await worlds.startWithReference(scenario, prepare);
    const cut = world.fault({ service: "adminService", path: /SMS_R_System/, truncatePaging: true, times: 1 });

    const faulty = await world.run();

    expect(faulty.status).toBe("failed");
    expect(faulty.errors).toContainEqual(expect.objectContaining({ code: "source-truncated" }));
    expect(removedSince(world, from)).toEqual(new Set());
    cut.remove();
    expect((await world.run()).status).toBe("succeeded");
    await expectCleanEnd("one device-record page truncated (mirror, 200 joining)", world, reference, from);
  });
});

describe("a collection that really reads empty", () => {
  it.each(["mirror", "managed"] as const)("is blocked by the source-empty guard in %s mode: nothing is removed", async (mode) => {
    const world = await worlds.start(churnScenario(mode));
    await churn(world);
    const from = lastSeq(world);
    const before = world.members();
    world.setCollection([]);

    const run = await world.run();

    expect(run).toMatchObject({ status: "blocked", blockedBy: "source-empty" });
    const removed = removedSince(world, from).size;
    expect(removed).toBe(0);
    expect(world.members()).toEqual(before);
    // The fault is the emptied collection itself: one, as long as it really held members before.
    tallyScenario(`collection reads empty (${mode})`, {
      faultsInjected: before.size > 0 ? 1 : 0,
      membersLost: before.size - world.members().size,
      wrongfulRemovals: removed,
    });
  });
});

describe("property: whatever the AdminService does wrong, no removal happens that a clean run would not make", () => {
  const faultKind = fc.constantFrom(...Object.values(SOURCE_FAULTS));
  it("holds for random faults, modes and fault durations", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<SyncMode>("mirror", "managed"),
        fc.array(faultKind, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 6 }),
        async (mode, faults, times) => {
          const scenario = churnScenario(mode);
          const reference = await cleanOutcome(scenario, churn);
          const w = await startFaultWorld(scenario);
          try {
            await churn(w);
            const from = lastSeq(w);
            const handles = faults.map((spec) => w.fault({ ...spec, times }));
            for (let attempt = 0; attempt < 3; attempt += 1) {
              await w.run();
              expect([...removedSince(w, from)].every((id) => reference.removed.has(id))).toBe(true);
            }
            for (const handle of handles) handle.remove();
            await w.run();
            await expectCleanEnd(`random AdminService faults (${mode})`, w, reference, from);
          } finally {
            await w.close();
          }
        },
      ),
      { seed: 7_000_001, numRuns: 12 },
    );
  });
});

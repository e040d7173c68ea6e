import type { AccessToken, TokenCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { simulatorToken } from "../../simulator/index.js";
import { GROUP_ID, TENANT_ID, range } from "../support/fixtures.js";
import { expectCleanEnd, removedSince, type Prepare } from "./support/oracle.js";
import { worldsPerTest } from "./support/worlds.js";
import { tallyScenario } from "./support/tally.js";
import { workerQueue } from "./support/workerQueue.js";
import { MAPPING_KEY, objectIdOf, type Scenario } from "./support/world.js";

const worlds = worldsPerTest();

/** Managed, first synced with 1..300 (six members added by hand stay untouched); then 50 leave and 40 arrive. */
const managedChurn: Scenario = { mode: "managed", collection: range(1, 300), others: range(301, 340), handAdded: range(901, 906) };
const churn: Prepare = async (w) => {
  expect((await w.run()).status).toBe("succeeded");
  w.setCollection(range(51, 340));
};

describe("Graph errors on some routes, some of the time", () => {
  it("reaches the clean state (at the latest on the next run) with lookups, listings, writes and batches failing at random", async () => {
    const { reference, world, from } = await worlds.startWithReference(managedChurn, churn);
    const faults = [
      world.fault({ service: "graph", method: "GET", path: /^\/devices/, status: 503, rate: 0.3 }),
      world.fault({ service: "graph", method: "GET", path: /\/members\//, status: 500, rate: 0.25 }),
      world.fault({ service: "graph", method: "PATCH", status: 500, rate: 0.3 }),
      world.fault({ service: "graph", method: "DELETE", status: 503, rate: 0.3 }),
      world.fault({ service: "graph", path: /\$batch/, status: 502, rate: 0.2 }),
    ];

    const first = await world.run();
    expect(["succeeded", "partial", "failed"]).toContain(first.status);
    // Whatever the faulty run managed, it removed only members a clean run removes too.
    expect([...removedSince(world, from)].every((id) => reference.removed.has(id))).toBe(true);
    for (const fault of faults) fault.remove();
    const recovery = await world.run();

    // A faulty run that still got everything done set the watermark: the next run then has nothing to do.
    expect(["succeeded", "skipped-unchanged"]).toContain(recovery.status);
    expect(faults.reduce((sum, f) => sum + f.hits, 0)).toBeGreaterThan(15);
    await expectCleanEnd("per-route error rates (managed)", world, reference, from);
  });

  it("rides out a two-minute outage (every Graph route answers 5xx) within one run", async () => {
    const { reference, world: w, from } = await worlds.startWithReference(managedChurn, churn);
    const outage = [w.fault({ service: "graph", status: 503 }), w.fault({ service: "graph", path: /\$batch/, status: 500 })];
    const over = w.clock.now() + 120_000;
    // The adapter's back-off sleeps on the fake clock; the outage ends once two minutes have passed.
    w.tenant.onRequest(() => {
      if (w.clock.now() >= over) for (const fault of outage) fault.remove();
    });

    const run = await w.run();

    expect(run.status).toBe("succeeded");
    expect(w.faultsInjected()).toBeGreaterThan(3);
    await expectCleanEnd("two-minute 5xx outage (managed)", w, reference, from);
  });
});

/** A credential whose token endpoint fails until `heal()` (IMDS down, a federated credential expired…). */
function flakyCredential(): TokenCredential & { failures: number; heal(): void } {
  let healthy = false;
  const credential = {
    failures: 0,
    heal: () => void (healthy = true),
    async getToken(): Promise<AccessToken> {
      if (!healthy) {
        credential.failures += 1;
        throw new Error("ManagedIdentityCredential: IMDS endpoint unavailable");
      }
      return { token: simulatorToken(TENANT_ID), expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  return credential;
}

describe("token acquisition failure", () => {
  it("records a failed run, writes nothing, does not burn the mapping's failure budget on redeliveries, and the next tick succeeds", async () => {
    const scenario: Scenario = { mode: "mirror", collection: range(1, 30) };
    const { reference, world } = await worlds.startWithReference(scenario, async () => {});
    const credential = flakyCredential();
    const worker = workerQueue(world, world.worker({ credential }));

    await worker.tick();

    expect(worker.outcomes).toHaveLength(1);
    expect(worker.outcomes[0]).toMatchObject({ kind: "completed", run: { status: "failed" } });
    const failed = worker.outcomes[0]?.kind === "completed" ? worker.outcomes[0].run : undefined;
    expect(failed?.message).toMatch(/token/i);
    expect(world.tenant.requestLog.filter((e) => e.service === "graph")).toEqual([]);
    expect(await world.stores.state.get(MAPPING_KEY)).toMatchObject({ consecutiveFailures: 1, health: "healthy", lease: null });
    world.countFault(credential.failures);

    credential.heal();
    world.clock.advance(5 * 60_000);
    await worker.tick();

    expect(worker.outcomes[1]).toMatchObject({ kind: "completed", run: { status: "succeeded" } });
    await expectCleanEnd("token acquisition failure", world, reference, 0);
  });
});

describe("the target group changes under a running sync", () => {
  it("stops with a permanent failure when the group is deleted mid-run; the job is completed, not redelivered", async () => {
    const w = await worlds.start(managedChurn);
    await churn(w);
    const before = w.members();
    let deleted = false;
    // Members as the group stood when it was deleted: what the run could have removed by then.
    let atDeletion = new Set<string>();
    w.tenant.onRequest((event) => {
      if (deleted || event.method !== "PATCH") return;
      deleted = true;
      atDeletion = w.members();
      w.tenant.deleteGroup(GROUP_ID);
    });
    const worker = workerQueue(w);

    await worker.tick();

    expect(worker.outcomes).toHaveLength(1);
    expect(worker.outcomes[0]).toMatchObject({ kind: "completed", run: { status: "failed", errors: [expect.objectContaining({ code: "group-not-found" })] } });
    expect(w.graphCalls("DELETE", "/members/")).toBe(0);
    expect(await worker.queue.deadLetterCount()).toBe(0);
    const lost = [...before].filter((id) => !atDeletion.has(id)).length;
    expect(deleted).toBe(true);
    expect(lost).toBe(0);
    tallyScenario("group deleted mid-run", { faultsInjected: deleted ? 1 : 0, membersLost: lost, wrongfulRemovals: w.graphCalls("DELETE", "/members/") });
  });

  it("stops with a permanent failure when the group turns dynamic mid-run, removing nothing and keeping what it had", async () => {
    const w = await worlds.start(managedChurn);
    await churn(w);
    const before = w.members();
    let turned = false;
    w.tenant.onRequest((event) => {
      if (turned || event.method !== "PATCH") return;
      turned = true;
      w.tenant.updateGroup(GROUP_ID, { groupTypes: ["DynamicMembership"], membershipRule: '(device.deviceOSType -eq "Windows")' });
    });

    const run = await w.run();

    expect(run.status).toBe("failed");
    expect(run.errors).toContainEqual(expect.objectContaining({ code: "dynamic-membership" }));
    expect(w.graphCalls("DELETE", "/members/")).toBe(0);
    const after = w.members();
    const lost = [...before].filter((id) => !after.has(id)).length;
    expect(lost).toBe(0);
    expect(after.has(objectIdOf(901))).toBe(true);
    tallyScenario("group turned dynamic mid-run", { faultsInjected: turned ? 1 : 0, membersLost: lost, wrongfulRemovals: w.graphCalls("DELETE", "/members/") });
  });
});

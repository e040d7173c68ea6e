import { afterEach, describe, expect, test } from "vitest";
import { RunDeadlineError } from "../../shared/errors.js";
import { GraphRequestError } from "../../shared/graph/graphErrors.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { startSyncHarness, type SyncHarness } from "../support/syncHarness.js";
import { devices, guid, seedOf, startHarness, type GraphHarness } from "./graphFixtures.js";

let harness: GraphHarness | undefined;
let sync: SyncHarness | undefined;
afterEach(async () => {
  await harness?.tenant.close();
  await sync?.close();
  harness = undefined;
  sync = undefined;
});

describe("Graph reads end by the run's deadline", () => {
  test("a member page that never answers fails at the deadline, not after 8 retries of a 100 s request", async () => {
    const groupId = guid();
    const pcs = devices(3);
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Laptops", members: pcs.map((d) => d.id) }], devices: pcs }));
    harness.tenant.faults.add({ service: "graph", method: "GET", path: /\/members\//, hang: true });

    const directory = harness.provider.open(null, { deadline: harness.clock.now() + 400 });

    await expect(directory.listMemberIds(groupId, "device")).rejects.toThrow(RunDeadlineError);
  }, 15_000);

  test("a group read that never answers fails at the deadline as well", async () => {
    harness = await startHarness(seedOf({}));
    harness.tenant.faults.add({ service: "graph", method: "GET", path: /^\/groups\//, hang: true });

    await expect(harness.provider.open(null, { deadline: harness.clock.now() + 400 }).getGroup(guid())).rejects.toThrow(RunDeadlineError);
  }, 15_000);

  test("a sync whose group read stalls past its time budget is re-scheduled, writes nothing and keeps no partial read", async () => {
    const members = range(1, 5).map((n) => entraDevice(n));
    sync = await startSyncHarness({ seed: scenarioSeed({ collection: members }), policy: { timeBudgetMs: 1_500, leaseMs: 61_500 } });
    const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
    await sync.addMapping(ref);
    sync.tenant.faults.add({ service: "graph", method: "GET", path: new RegExp(`/groups/${GROUP_ID}/members`), hang: true });
    sync.tenant.faults.add({ service: "graph", path: /\/groups\/delta/, hang: true });

    const run = await sync.sync(ref);

    expect(run.status).toBe("rescheduled");
    expect(run.errors).toEqual([expect.objectContaining({ code: "time-budget-exhausted" })]);
    expect(run.counts.added).toBe(0);
    expect(sync.graphCalls("PATCH", `/groups/${GROUP_ID}`)).toBe(0);
    expect(sync.tenant.groupMemberIds(GROUP_ID)).toEqual([]);
  }, 20_000);
});

describe("paging", () => {
  test("a nextLink that comes back again ends the read with an error instead of looping for ever", async () => {
    const groupId = guid();
    const pcs = devices(2);
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Loop", members: pcs.map((d) => d.id) }], devices: pcs }));
    const loop = `${harness.tenant.graphBaseUrl}/v1.0/groups/${groupId}/members/microsoft.graph.device?$select=id&$top=999&$skiptoken=again`;
    const fault = harness.tenant.faults.add({
      service: "graph",
      method: "GET",
      path: /\/members\//,
      status: 200,
      body: { value: [{ id: pcs[0]!.id }], "@odata.nextLink": loop },
    });

    const read = harness.provider.open(null).listMemberIds(groupId, "device");

    await expect(read).rejects.toThrow(GraphRequestError);
    await expect(read).rejects.toThrow(/nextLink it had already sent/);
    expect(fault.hits).toBe(2);
  }, 15_000);
});

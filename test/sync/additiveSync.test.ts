import { afterEach, describe, expect, it } from "vitest";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { startSyncHarness, type SyncHarness } from "../support/syncHarness.js";

const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("additive sync of a device collection (the seed behaviour)", () => {
  it("ends with the union: collection {A,B} + group {C,D,E} → group {A,B,C,D,E}", async () => {
    const [a, b, c, d, e] = range(1, 5).map((n) => entraDevice(n));
    harness = await startSyncHarness({
      seed: scenarioSeed({ collection: [a!, b!], others: [c!, d!, e!], groupMembers: [c!, d!, e!].map((x) => x.objectId!) }),
    });
    await harness.addMapping(ref);

    const run = await harness.sync(ref);

    expect(run.status).toBe("succeeded");
    expect(run.counts).toMatchObject({ source: 2, resolved: 2, added: 2, alreadyPresent: 0, removed: 0, failed: 0, groupBefore: 3 });
    expect(new Set(harness.tenant.groupMemberIds(GROUP_ID))).toEqual(new Set([a, b, c, d, e].map((x) => x!.objectId)));
  });

  it("skips members it may not sync and counts each by reason", async () => {
    const joined = entraDevice(1);
    const noEntraId = entraDevice(2, { aadDeviceId: false });
    const unknownToEntra = entraDevice(3, { inEntra: false });
    const hybrid = entraDevice(4, { trustType: "ServerAd" });
    const registered = entraDevice(5, { trustType: "Workplace" });
    const disabled = entraDevice(6, { accountEnabled: false });
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [joined, noEntraId, unknownToEntra, hybrid, registered, disabled] }) });
    await harness.addMapping(ref);

    const run = await harness.sync(ref);

    expect(run.status).toBe("succeeded");
    expect(run.counts.added).toBe(1);
    expect(run.counts.skipped).toEqual({ "no-entra-id": 1, "not-found": 1, "hybrid-joined": 1, "registered-device": 1, disabled: 1 });
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toEqual([joined.objectId]);
  });

  it("is idempotent: a second full run adds nothing and sends no PATCH", async () => {
    const devices = range(1, 30).map((n) => entraDevice(n));
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices }) });
    await harness.addMapping(ref);
    expect((await harness.sync(ref)).counts.added).toBe(30);
    const patchesAfterFirst = harness.graphCalls("PATCH", `/groups/${GROUP_ID}`);
    // Re-evaluating the collection (same members) moves its watermark, so the second run does a full diff.
    harness.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.map((d) => d.system.ResourceId),
    );

    const second = await harness.sync(ref);

    expect(second.status).toBe("succeeded");
    expect(second.counts).toMatchObject({ added: 0, alreadyPresent: 30, failed: 0 });
    expect(harness.graphCalls("PATCH", `/groups/${GROUP_ID}`)).toBe(patchesAfterFirst);
  });

  it("keeps members added in Entra by hand", async () => {
    const inCollection = entraDevice(1);
    const byHand = entraDevice(2);
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [inCollection], others: [byHand], groupMembers: [byHand.objectId!] }) });
    await harness.addMapping(ref);
    await harness.sync(ref);
    harness.tenant.setCollectionMembers(DEVICE_COLLECTION, []);

    const run = await harness.sync(ref);

    expect(run.counts.removed).toBe(0);
    expect(new Set(harness.tenant.groupMemberIds(GROUP_ID))).toEqual(new Set([inCollection.objectId, byHand.objectId]));
  });

  it("records a failed run and writes nothing when the AdminService answers 500", async () => {
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: range(1, 5).map((n) => entraDevice(n)) }) });
    await harness.addMapping(ref);
    harness.tenant.faults.add({ service: "adminService", path: /SMS_FullCollectionMembership/, status: 500 });

    const run = await harness.sync(ref);

    expect(run.status).toBe("failed");
    expect(run.errors[0]?.code).toMatch(/^source-/);
    expect(harness.graphCalls("PATCH", "/groups/")).toBe(0);
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toEqual([]);
    const history = await harness.stores.runs.list(`${DEVICE_COLLECTION}_${GROUP_ID}`);
    expect(history.items.map((r) => r.status)).toEqual(["failed"]);
  });

  it("records a failed run and writes nothing when the collection's pages stop early", async () => {
    harness = await startSyncHarness({
      seed: scenarioSeed({ collection: range(1, 30).map((n) => entraDevice(n)) }),
      simulator: { adminServicePageSize: 10 },
    });
    await harness.addMapping(ref);
    harness.tenant.faults.add({ service: "adminService", path: /SMS_FullCollectionMembership/, truncatePaging: true });

    const run = await harness.sync(ref);

    expect(run.status).toBe("failed");
    expect(run.errors[0]?.code).toBe("source-truncated");
    expect(harness.graphCalls("PATCH", "/groups/")).toBe(0);
  });

  it("skips an unchanged mapping with one AdminService and at most two Graph requests", async () => {
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: range(1, 10).map((n) => entraDevice(n)) }) });
    await harness.addMapping(ref);
    expect((await harness.sync(ref)).status).toBe("succeeded");

    const run = await harness.sync(ref);

    expect(run.status).toBe("skipped-unchanged");
    expect(run.adminServiceRequests).toBe(1);
    expect(run.graphRequests).toBeLessThanOrEqual(2);
  });

  it("notices a member removed by hand even when the collection did not change", async () => {
    const devices = range(1, 3).map((n) => entraDevice(n));
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices }) });
    await harness.addMapping(ref);
    await harness.sync(ref);
    harness.tenant.removeMemberByHand(GROUP_ID, devices[0]!.objectId!);

    const run = await harness.sync(ref);

    expect(run.status).toBe("succeeded");
    expect(run.counts.added).toBe(1);
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toContain(devices[0]!.objectId);
  });

  it("records a permanent failure when the group turned dynamic, without retrying writes", async () => {
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [entraDevice(1)] }) });
    await harness.addMapping(ref);
    harness.tenant.updateGroup(GROUP_ID, { groupTypes: ["DynamicMembership"], membershipRule: '(device.deviceOSType -eq "Windows")' });

    const run = await harness.sync(ref);

    expect(run.status).toBe("failed");
    expect(run.errors[0]?.code).toBe("dynamic-membership");
    expect(harness.graphCalls("PATCH", "/groups/")).toBe(0);
  });
});

describe("observability", () => {
  it("logs one line per run with ids and counts, and emits the per-run metrics, never member ids", async () => {
    const lines: Array<{ level: string; message: string; properties?: Record<string, unknown> }> = [];
    const metrics = new Map<string, number>();
    const log = {
      info: (message: string, properties?: Record<string, unknown>) => void lines.push({ level: "info", message, ...(properties ? { properties } : {}) }),
      warn: (message: string, properties?: Record<string, unknown>) => void lines.push({ level: "warn", message, ...(properties ? { properties } : {}) }),
      error: (message: string, properties?: Record<string, unknown>) => void lines.push({ level: "error", message, ...(properties ? { properties } : {}) }),
      metric: (name: string, value: number) => void metrics.set(name, value),
    };
    const devices = range(1, 3).map((n) => entraDevice(n));
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [...devices, entraDevice(4, { aadDeviceId: false })] }), log });
    await harness.addMapping(ref);

    const run = await harness.sync(ref);

    const runLines = lines.filter((l) => l.message.startsWith("Sync run"));
    expect(runLines).toHaveLength(1);
    expect(runLines[0]?.properties).toMatchObject({ runId: run.runId, mappingKey: `${DEVICE_COLLECTION}_${GROUP_ID}`, added: 3, skipped: 1 });
    expect(Object.fromEntries(metrics)).toMatchObject({
      "collectionSync.membersAdded": 3,
      "collectionSync.membersRemoved": 0,
      "collectionSync.membersSkipped": 1,
      "collectionSync.graphRequests": run.graphRequests,
    });
    const everything = JSON.stringify(lines);
    for (const device of devices) expect(everything).not.toContain(device.objectId!);
  });
});

describe("without group delta", () => {
  it("still succeeds when Graph refuses the delta query, and the next tick does a full (correct) run", async () => {
    const devices = range(1, 5).map((n) => entraDevice(n));
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices }) });
    await harness.addMapping(ref);
    harness.tenant.faults.add({ service: "graph", path: /\/groups\/delta/, status: 400 });

    const first = await harness.sync(ref);
    harness.tenant.removeMemberByHand(GROUP_ID, devices[0]!.objectId!);
    const second = await harness.sync(ref);

    expect(first.status).toBe("succeeded");
    expect(second.status).toBe("succeeded");
    expect(second.counts.added).toBe(1);
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toHaveLength(5);
  });
});

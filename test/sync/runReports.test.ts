import { afterEach, describe, expect, it } from "vitest";
import { approveBlockedChange } from "../../shared/sync/approval.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, scenarioSeed } from "../support/fixtures.js";
import { startSyncHarness, type SyncHarness } from "../support/syncHarness.js";

const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
const key = `${DEVICE_COLLECTION}_${GROUP_ID}`;
let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const report = async (runId: string) => (await harness!.stores.runs.report(key, runId))?.entries ?? [];

describe("per-member run reports", () => {
  it("names every member a mirror run added, removed (by its Entra name when the collection does not hold it) and skipped, with the reason; members already present are only counted", async () => {
    const [a, b, present] = [entraDevice(1), entraDevice(2), entraDevice(3)];
    const noId = entraDevice(4, { aadDeviceId: false });
    const hybrid = entraDevice(5, { trustType: "ServerAd" });
    const byHand = entraDevice(50);
    harness = await startSyncHarness({
      seed: scenarioSeed({ collection: [a, b, present, noId, hybrid], others: [byHand], groupMembers: [present.objectId!, byHand.objectId!] }),
    });
    await harness.addMapping({ ...ref, mode: "mirror" });
    const blocked = await harness.sync(ref);
    expect(blocked.status).toBe("blocked");
    await approveBlockedChange({ state: harness.stores.state, clock: harness.deps.clock, log: harness.deps.log }, ref, "admin@contoso.com");

    const run = await harness.sync(ref);

    expect(run.status).toBe("succeeded");
    expect(run.counts.alreadyPresent).toBe(3);
    const entries = await report(run.runId);
    expect(entries).toHaveLength(3);
    expect(entries).toEqual(
      expect.arrayContaining([
        { outcome: "skipped", reason: "no-entra-id", resourceId: noId.system.ResourceId, name: noId.system.Name, entraId: null, objectId: null, error: null },
        {
          outcome: "skipped",
          reason: "hybrid-joined",
          resourceId: hybrid.system.ResourceId,
          name: hybrid.system.Name,
          entraId: hybrid.system.AADDeviceID,
          objectId: hybrid.objectId,
          error: null,
        },
        { outcome: "removed", reason: null, resourceId: null, name: byHand.device?.displayName, entraId: null, objectId: byHand.objectId, error: null },
      ]),
    );
    // The first (blocked) run added A and B and reported them by their ConfigMgr names.
    const firstAdds = (await report(blocked.runId)).filter((e) => e.outcome === "added").map((e) => e.name);
    expect(firstAdds.sort()).toEqual([a.system.Name, b.system.Name]);
  });

  it("lists a large run's first members only, counts every member on the run and says how many the report left out", async () => {
    const joined = [1, 2, 3, 4].map((n) => entraDevice(n));
    const noId = entraDevice(5, { aadDeviceId: false });
    const hybrid = entraDevice(6, { trustType: "ServerAd" });
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [...joined, noId, hybrid] }), policy: { reportMaxEntries: 3 } });
    await harness.addMapping(ref);

    const run = await harness.sync(ref);

    expect(run.status).toBe("succeeded");
    expect(run.counts).toMatchObject({ added: 4, skipped: { "no-entra-id": 1, "hybrid-joined": 1 } });
    const stored = await harness.stores.runs.report(key, run.runId);
    expect(stored?.truncated).toBe(3);
    // Skips are reported as the members resolve, before any write: they come first.
    expect(stored?.entries.map((e) => e.outcome)).toEqual(["skipped", "skipped", "added"]);
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toHaveLength(4);
  });

  it("reports a member Graph refused with Graph's error", async () => {
    const a = entraDevice(1);
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [a] }) });
    await harness.addMapping(ref);
    await harness.sync(ref, { dryRun: true });
    // The preview left A in the resolution cache; the device is deleted from Entra since, so adding it fails.
    harness.tenant.deleteDevice(a.objectId!);

    const run = await harness.sync(ref);

    expect(run.counts.failed).toBe(1);
    const [failed] = await report(run.runId);
    expect(failed).toMatchObject({ outcome: "failed", resourceId: a.system.ResourceId, name: a.system.Name, objectId: a.objectId });
    expect(failed?.error).toMatch(/^Request_ResourceNotFound: /);
  });
});

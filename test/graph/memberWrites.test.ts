import { afterEach, describe, expect, test } from "vitest";
import { PermanentSyncError, type PermanentReason } from "../../shared/errors.js";
import { devices, guid, seedOf, startHarness, type GraphHarness } from "./graphFixtures.js";

let harness: GraphHarness | undefined;
afterEach(async () => {
  await harness?.tenant.close();
  harness = undefined;
});

const graphLog = (h: GraphHarness) => h.tenant.requestLog.filter((e) => e.service === "graph");

describe("adding members", () => {
  test("45 missing devices go out as 3 PATCHes of at most 20 inside one $batch", async () => {
    const pcs = devices(45);
    const groupId = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Kiosks" }], devices: pcs }));
    const directory = harness.provider.open(null);

    const result = await directory.addMembers(
      groupId,
      pcs.map((d) => d.id),
    );

    expect(result.done.sort()).toEqual(pcs.map((d) => d.id).sort());
    expect(result).toMatchObject({ alreadyDone: [], failed: [], deferred: [], retryAfterMs: null });
    const log = graphLog(harness);
    const patches = log.filter((e) => e.method === "PATCH");
    expect(patches).toHaveLength(3);
    expect(patches.every((e) => e.inBatch && e.path === `/groups/${groupId}`)).toBe(true);
    expect(log.filter((e) => !e.inBatch)).toHaveLength(1);
    expect(directory.stats()).toMatchObject({ requests: 1, writes: 3, reads: 0 });
    expect(harness.tenant.groupMemberIds(groupId).sort()).toEqual(pcs.map((d) => d.id).sort());
  });

  test("a member added by hand between read and write: the other 19 still land and it counts as already present", async () => {
    const pcs = devices(20);
    const groupId = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Lab" }], devices: pcs }));
    const h = harness;
    const byHand = pcs[7]!.id;
    let added = false;
    h.tenant.onRequest((event) => {
      // Someone adds PC 7 in the portal just before our 20-member PATCH arrives.
      if (!added && event.method === "PATCH") {
        added = true;
        h.tenant.addMemberByHand(groupId, byHand);
      }
    });

    const result = await h.provider.open(null).addMembers(
      groupId,
      pcs.map((d) => d.id),
    );

    expect(result.alreadyDone).toEqual([byHand]);
    expect(result.done.sort()).toEqual(
      pcs
        .map((d) => d.id)
        .filter((id) => id !== byHand)
        .sort(),
    );
    expect(result.failed).toEqual([]);
    expect(h.tenant.groupMemberIds(groupId).sort()).toEqual(pcs.map((d) => d.id).sort());
    const rejected = graphLog(h).filter((e) => e.method === "PATCH" && e.status === 400);
    expect(rejected.length).toBeGreaterThan(0);
  });

  test("an unknown object id fails on its own with Graph's code; the rest of its PATCH is added", async () => {
    const pcs = devices(5);
    const groupId = guid();
    const ghost = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Lab" }], devices: pcs }));

    const result = await harness.provider.open(null).addMembers(groupId, [...pcs.map((d) => d.id), ghost]);

    expect(result.done.sort()).toEqual(pcs.map((d) => d.id).sort());
    expect(result.failed).toEqual([expect.objectContaining({ id: ghost, status: 404, code: "Request_ResourceNotFound" })]);
  });

  test("the same id asked twice is written once", async () => {
    const pcs = devices(2);
    const groupId = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Lab" }], devices: pcs }));

    const result = await harness.provider.open(null).addMembers(groupId, [pcs[0]!.id, pcs[1]!.id, pcs[0]!.id]);

    expect(result.done.sort()).toEqual([pcs[0]!.id, pcs[1]!.id].sort());
    expect(result.failed).toEqual([]);
  });
});

describe("removing members", () => {
  test("removes through /members/{id}/$ref; a member already gone counts as done already", async () => {
    const pcs = devices(3);
    const groupId = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Lab", members: [pcs[0]!.id, pcs[1]!.id] }], devices: pcs }));

    const result = await harness.provider.open(null).removeMembers(groupId, [pcs[0]!.id, pcs[1]!.id, pcs[2]!.id]);

    expect(result.done.sort()).toEqual([pcs[0]!.id, pcs[1]!.id].sort());
    expect(result.alreadyDone).toEqual([pcs[2]!.id]);
    expect(harness.tenant.groupMemberIds(groupId)).toEqual([]);
    const deletes = graphLog(harness).filter((e) => e.method === "DELETE");
    expect(deletes).toHaveLength(3);
    expect(deletes.every((e) => e.inBatch && e.path.endsWith("/$ref"))).toBe(true);
  });
});

describe("groups that cannot take members from us", () => {
  const cases: {
    reason: PermanentReason;
    group: { groupTypes?: string[]; membershipRule?: string; onPremisesSyncEnabled?: boolean; mailEnabled?: boolean };
  }[] = [
    { reason: "dynamic-membership", group: { groupTypes: ["DynamicMembership"], membershipRule: '(device.deviceOSType -eq "Windows")' } },
    { reason: "on-premises-synced", group: { onPremisesSyncEnabled: true } },
    { reason: "mail-enabled", group: { mailEnabled: true } },
    { reason: "microsoft-365-group", group: { groupTypes: ["Unified"], mailEnabled: true } },
  ];

  for (const { reason, group } of cases) {
    test(`a ${reason} group raises PermanentSyncError(${reason}) instead of failing member by member`, async () => {
      const pcs = devices(3);
      const groupId = guid();
      harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Target", ...group }], devices: pcs }));

      const error = await harness.provider
        .open(null)
        .addMembers(
          groupId,
          pcs.map((d) => d.id),
        )
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PermanentSyncError);
      expect((error as PermanentSyncError).reason).toBe(reason);
    });
  }

  test("a group deleted since the mapping was made raises group-not-found, on add and on remove", async () => {
    const pcs = devices(2);
    const groupId = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Gone" }], devices: pcs }));
    harness.tenant.deleteGroup(groupId);
    const directory = harness.provider.open(null);

    await expect(directory.addMembers(groupId, [pcs[0]!.id])).rejects.toMatchObject({ reason: "group-not-found" });
    await expect(directory.removeMembers(groupId, [pcs[0]!.id])).rejects.toMatchObject({ reason: "group-not-found" });
  });

  test("an app without GroupMember.ReadWrite.All gets insufficient-privileges naming the permissions to grant", async () => {
    const pcs = devices(2);
    const groupId = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Ordinary" }], devices: pcs }));
    harness.tenant.setPermissions(["Device.Read.All", "Group.Read.All", "User.Read.All"]);

    const error = await harness.provider
      .open(null)
      .addMembers(
        groupId,
        pcs.map((d) => d.id),
      )
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentSyncError);
    expect((error as PermanentSyncError).reason).toBe("insufficient-privileges");
    expect((error as Error).message).toContain("GroupMember.ReadWrite.All");
    expect((error as Error).message).toContain("Device.ReadWrite.All");
  });
});

import { afterEach, describe, expect, test } from "vitest";
import { devices, guid, seedOf, startHarness, type GraphHarness } from "./graphFixtures.js";

let harness: GraphHarness | undefined;
afterEach(async () => {
  await harness?.tenant.close();
  harness = undefined;
});

const decoded = (path: string) => decodeURIComponent(path);
/** Values in the `in (…)` list of a logged request's `$filter`. */
const inListSize = (path: string) => (/ in \(([^)]*)\)/.exec(decoded(path))?.[1] ?? "").split(",").length;

describe("reading a group", () => {
  test("reads the properties that decide whether a group can be a target; an unknown group is null", async () => {
    const groupId = guid();
    harness = await startHarness(
      seedOf({
        groups: [{ id: groupId, displayName: "All Windows", groupTypes: ["DynamicMembership"], membershipRule: '(device.deviceOSType -eq "Windows")' }],
      }),
    );
    const directory = harness.provider.open(null);

    expect(await directory.getGroup(groupId)).toEqual({
      id: groupId,
      displayName: "All Windows",
      groupTypes: ["DynamicMembership"],
      securityEnabled: true,
      mailEnabled: false,
      onPremisesSyncEnabled: null,
      isAssignableToRole: null,
      membershipRule: '(device.deviceOSType -eq "Windows")',
    });
    expect(await directory.getGroup(guid())).toBeNull();
  });

  test("a 2,500-member group is read across all its pages, devices and users apart", async () => {
    const pcs = devices(2_500);
    const userId = guid();
    const groupId = guid();
    harness = await startHarness(
      seedOf({
        groups: [{ id: groupId, displayName: "Big", members: [...pcs.map((d) => d.id), userId] }],
        devices: pcs,
        users: [{ id: userId, userPrincipalName: "ann@contoso.com", displayName: "Ann" }],
      }),
    );
    const directory = harness.provider.open(null);

    const deviceIds = await directory.listMemberIds(groupId, "device");
    const userIds = await directory.listMemberIds(groupId, "user");

    expect(deviceIds.size).toBe(2_500);
    expect(deviceIds).toEqual(new Set(pcs.map((d) => d.id)));
    expect(userIds).toEqual(new Set([userId]));
    const pages = harness.tenant.requestLog.filter((e) => e.path.includes("/members/microsoft.graph.device"));
    expect(pages).toHaveLength(3);
    expect(pages.every((e) => e.status === 200)).toBe(true);
  });

  test("listing the members of a deleted group is a permanent group-not-found", async () => {
    harness = await startHarness(seedOf({}));
    await expect(harness.provider.open(null).listMemberIds(guid(), "device")).rejects.toMatchObject({ reason: "group-not-found" });
  });
});

describe("searching groups", () => {
  test("finds groups by word prefix with ConsistencyLevel: eventual", async () => {
    const [finance, sales] = [guid(), guid()];
    harness = await startHarness(
      seedOf({
        groups: [
          { id: finance, displayName: "Finance Laptops" },
          { id: sales, displayName: "Sales Desktops" },
        ],
      }),
    );

    const found = await harness.provider.open(null).searchGroups("lapt", 10);

    expect(found.map((g) => g.id)).toEqual([finance]);
    const search = harness.tenant.requestLog.find((e) => e.path.includes("$search"));
    expect(search?.status).toBe(200);
  });

  test("quotes in the search text are escaped and cannot widen the search", async () => {
    const [obrien, other] = [guid(), guid()];
    harness = await startHarness(
      seedOf({
        groups: [
          { id: obrien, displayName: 'O\'Brien "Lab" PCs' },
          { id: other, displayName: "Finance Laptops" },
        ],
      }),
    );
    const directory = harness.provider.open(null);

    const injected = await directory.searchGroups('Nothing" OR "displayName:Finance', 10);
    const quoted = await directory.searchGroups('O\'Brien "Lab"', 10);

    expect(injected).toEqual([]);
    expect(quoted.map((g) => g.id)).toEqual([obrien]);
    const sent = harness.tenant.requestLog.map((e) => decoded(e.path));
    expect(sent.some((p) => p.includes(`$search="displayName:Nothing\\" OR \\"displayName:Finance"`))).toBe(true);
  });

  test("text with no word to search for falls back to startswith, single quotes doubled", async () => {
    const id = guid();
    harness = await startHarness(
      seedOf({
        groups: [
          { id, displayName: "'#' ops" },
          { id: guid(), displayName: "#-ops" },
        ],
      }),
    );

    const found = await harness.provider.open(null).searchGroups("'#'", 5);

    expect(found.map((g) => g.id)).toEqual([id]);
    const sent = harness.tenant.requestLog.map((e) => decoded(e.path));
    expect(sent.some((p) => p.includes("$search"))).toBe(false);
    expect(sent.some((p) => p.includes("startswith(displayName,'''#''')"))).toBe(true);
  });
});

describe("looking devices and users up", () => {
  test("device lookups put at most 15 deviceIds in one `in` filter and 20 filters in one $batch", async () => {
    const pcs = devices(400);
    const unknown = Array.from({ length: 50 }, () => guid());
    harness = await startHarness(seedOf({ devices: pcs }));
    const directory = harness.provider.open(null);

    const found = await directory.findDevicesByDeviceId([...pcs.map((d) => d.deviceId.toUpperCase()), ...unknown]);

    expect(found.size).toBe(400);
    const first = pcs[0]!;
    expect(found.get(first.deviceId.toUpperCase())).toEqual({ id: first.id, deviceId: first.deviceId, trustType: "AzureAd", accountEnabled: true });
    expect(unknown.some((id) => found.has(id))).toBe(false);
    const lookups = harness.tenant.requestLog.filter((e) => e.path.startsWith("/devices?"));
    expect(lookups).toHaveLength(30); // 450 ids / 15
    expect(Math.max(...lookups.map((e) => inListSize(e.path)))).toBe(15);
    expect(lookups.every((e) => e.inBatch)).toBe(true);
    expect(directory.stats()).toMatchObject({ requests: 2, reads: 30 });
  });

  test("very many misses are resolved by listing all devices once", async () => {
    const pcs = devices(60);
    harness = await startHarness(seedOf({ devices: pcs }), { enumerateDevicesAbove: 25 });

    const found = await harness.provider.open(null).findDevicesByDeviceId(pcs.slice(0, 30).map((d) => d.deviceId));

    expect([...found.keys()].sort()).toEqual(
      pcs
        .slice(0, 30)
        .map((d) => d.deviceId)
        .sort(),
    );
    const lookups = harness.tenant.requestLog.filter((e) => e.path.startsWith("/devices"));
    expect(lookups).toHaveLength(1);
    expect(decoded(lookups[0]!.path)).not.toContain("$filter");
  });

  test("users are found by object id and by UPN with `in` filters of ≤ 15 under User.Read.All (no getByIds), UPNs without regard to case", async () => {
    const users = Array.from({ length: 40 }, (_, i) => ({ id: guid(), userPrincipalName: `user${i}@contoso.com`, displayName: `User ${i}` }));
    const odd = { id: guid(), userPrincipalName: "o'neil@contoso.com", displayName: "O'Neil", accountEnabled: false };
    harness = await startHarness(seedOf({ users: [...users, odd] }));
    // The least privilege that reads users: getByIds (Directory.Read.All) would be refused.
    harness.tenant.setPermissions(["GroupMember.ReadWrite.All", "User.Read.All"]);
    const directory = harness.provider.open(null);
    const byId = users.slice(0, 10).map((u) => u.id);
    const byUpn = [...users.slice(10).map((u) => u.userPrincipalName.toUpperCase()), odd.userPrincipalName, "nobody@contoso.com"];

    const found = await directory.findUsers([...byId, ...byUpn]);

    expect(found.size).toBe(41);
    expect(found.get(byId[0]!)).toEqual({ id: users[0]!.id, userPrincipalName: users[0]!.userPrincipalName, accountEnabled: true });
    expect(found.get("USER10@CONTOSO.COM")?.id).toBe(users[10]!.id);
    expect(found.get(odd.userPrincipalName)).toEqual({ id: odd.id, userPrincipalName: odd.userPrincipalName, accountEnabled: false });
    const log = harness.tenant.requestLog;
    expect(log.filter((e) => e.path.startsWith("/directoryObjects"))).toHaveLength(0);
    const idLookups = log.filter((e) => e.path.startsWith("/users?") && decoded(e.path).includes("id in ("));
    const upnLookups = log.filter((e) => e.path.startsWith("/users?") && decoded(e.path).includes("userPrincipalName in ("));
    expect(idLookups).toHaveLength(1); // 10 ids
    expect(upnLookups).toHaveLength(3); // 32 UPNs / 15
    expect(
      log
        .filter((e) => e.path.startsWith("/users?"))
        .every((e) => e.inBatch && e.status === 200 && decoded(e.path).includes("$select=id,userPrincipalName,accountEnabled")),
    ).toBe(true);
    expect(Math.max(...[...idLookups, ...upnLookups].map((e) => inListSize(e.path)))).toBeLessThanOrEqual(15);
    expect(upnLookups.some((e) => decoded(e.path).includes("'o''neil@contoso.com'"))).toBe(true);
  });
});

describe("membership change token", () => {
  test("unchanged membership reports no change; a change made in Entra does", async () => {
    const pcs = devices(3);
    const groupId = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Lab", members: [pcs[0]!.id] }], devices: pcs }));
    const directory = harness.provider.open(null);

    const first = await directory.membershipToken(groupId, null);
    const quiet = await directory.membershipToken(groupId, first.token);
    harness.tenant.addMemberByHand(groupId, pcs[1]!.id);
    const afterChange = await directory.membershipToken(groupId, quiet.token);
    const settled = await directory.membershipToken(groupId, afterChange.token);

    expect(first).toMatchObject({ changed: true, token: expect.any(String) });
    expect(quiet.changed).toBe(false);
    expect(afterChange.changed).toBe(true);
    expect(settled.changed).toBe(false);
    // Starting from "now" reads no member data.
    expect(harness.tenant.requestLog[0]?.path).toContain("$deltatoken=latest");
  });

  test("an expired token counts as changed and is replaced by a fresh one", async () => {
    const groupId = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Lab" }] }));
    const directory = harness.provider.open(null);
    const first = await directory.membershipToken(groupId, null);
    harness.tenant.invalidateDeltaTokens();

    const expired = await directory.membershipToken(groupId, first.token);
    const next = await directory.membershipToken(groupId, expired.token);

    expect(expired.changed).toBe(true);
    expect(expired.token).not.toBe(first.token);
    expect(next.changed).toBe(false);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { createAdminServiceSourceProvider } from "../../shared/configmgr/adminServiceSource.js";
import type { MembershipSource } from "../../shared/core/ports/membershipSource.js";
import {
  LENIENT_ADMINSERVICE,
  STRICT_ADMINSERVICE,
  startSimulatedTenant,
  type AdminServiceProfile,
  type SimulatedTenant,
  type SimulatorSeed,
} from "../../simulator/index.js";

const DEVICE_ID = (n: number) => `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, "0")}`;
/** Forty systems, every third one scattered far apart, all with an Entra device id except PC-5. */
const systems = Array.from({ length: 40 }, (_, i) => ({
  ResourceId: 16777216 + i * 7,
  Name: `PC-${i + 1}`,
  AADDeviceID: i === 4 ? null : DEVICE_ID(i + 1),
}));
const seed: SimulatorSeed = {
  tenants: [{ tenantId: "11111111-1111-4111-8111-111111111111" }],
  configMgr: {
    collections: [
      {
        CollectionID: "PS100001",
        Name: "Scattered devices",
        CollectionType: 2,
        LastMemberChangeTime: "2026-01-10T08:00:00Z",
        members: systems.map((s) => s.ResourceId),
      },
      { CollectionID: "PS100002", Name: "Finance users", CollectionType: 1, members: [2063597569, 2063597570] },
    ],
    systems,
    users: [
      { ResourceId: 2063597569, Name: "CONTOSO\\anne", UserPrincipalName: "anne@contoso.com", AADUserID: "bbbbbbbb-0000-4000-8000-000000000001" },
      { ResourceId: 2063597570, Name: "CONTOSO\\bob", UserPrincipalName: "bob@contoso.com", AADUserID: null },
    ],
  },
};

let tenant: SimulatedTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

async function over(profile: AdminServiceProfile, adminServicePageSize = 1000) {
  tenant = await startSimulatedTenant({ seed, adminService: profile, adminServicePageSize });
  const source = createAdminServiceSourceProvider({ baseUrl: tenant.adminServiceUrl }).open();
  return { tenant, source };
}

/** What a sync reads: the collection, then its members. */
async function readAll(source: MembershipSource) {
  const collection = await source.getCollection("PS100001");
  const devices = await source.readDeviceMembers("PS100001");
  await source.getCollection("PS100002");
  const users = await source.readUserMembers("PS100002");
  return { collection, devices, users };
}

const expectedDevices = systems.map((s, i) => ({ resourceId: s.ResourceId, name: s.Name, entraDeviceId: i === 4 ? null : DEVICE_ID(i + 1) }));
const expectedUsers = [
  { resourceId: 2063597569, name: "CONTOSO\\anne", userPrincipalName: "anne@contoso.com", entraObjectId: "bbbbbbbb-0000-4000-8000-000000000001" },
  { resourceId: 2063597570, name: "CONTOSO\\bob", userPrincipalName: "bob@contoso.com", entraObjectId: null },
];

describe("AdminService reads across the answers a site may give", () => {
  it("reads everything from a strict site: node limit 100, $count refused, ResourceID spelling, bare-entity keyed reads", async () => {
    const { source, tenant } = await over(STRICT_ADMINSERVICE);
    const { collection, devices, users } = await readAll(source);
    expect(collection).toMatchObject({ id: "PS100001", type: "device", memberCount: 40 });
    expect(devices).toEqual(expectedDevices);
    expect(users).toEqual(expectedUsers);
    expect(tenant.requestLog.every((entry) => entry.status === 200)).toBe(true);
    expect(tenant.requestLog.some((entry) => entry.path.includes("$count"))).toBe(false);
  });

  it("reads the same from a site that spells every property in lower case and answers keyed reads as a value list", async () => {
    const { source } = await over({ ...STRICT_ADMINSERVICE, propertyCase: "lower", keyedRead: "list" });
    const { collection, devices, users } = await readAll(source);
    expect(collection).toMatchObject({ id: "PS100001", name: "Scattered devices", memberCount: 40, lastMemberChangeTime: "2026-01-10T08:00:00Z" });
    expect(devices).toEqual(expectedDevices);
    expect(users).toEqual(expectedUsers);
  });

  it("reads the same with the community spelling (ResourceId) and with $count answered or ignored, in as many requests", async () => {
    const strict = await over(STRICT_ADMINSERVICE);
    await readAll(strict.source);
    const baseline = strict.source.requestCount();
    await strict.tenant.close();
    for (const count of ["answer", "ignore"] as const) {
      const { source, tenant: other } = await over({ ...LENIENT_ADMINSERVICE, count });
      const { devices, users } = await readAll(source);
      expect(devices).toEqual(expectedDevices);
      expect(users).toEqual(expectedUsers);
      expect(source.requestCount()).toBe(baseline);
      await other.close();
    }
    tenant = undefined;
  });

  it("follows @odata.nextLink when the site pages on its own", async () => {
    const { source, tenant } = await over(STRICT_ADMINSERVICE, 7);
    await source.getCollection("PS100001");
    expect(await source.readDeviceMembers("PS100001")).toEqual(expectedDevices);
    const membershipPages = tenant.requestLog.filter((e) => e.path.includes("SMS_FullCollectionMembership"));
    expect(membershipPages).toHaveLength(Math.ceil(40 / 7));
    expect(membershipPages.slice(1).every((e) => e.path.includes("$skip="))).toBe(true);
  });

  it("shrinks its chains and retries when a site counts a lower node limit, instead of failing the read", async () => {
    const { source, tenant } = await over({ ...STRICT_ADMINSERVICE, maxNodeCount: 40 });
    await source.getCollection("PS100001");
    expect(await source.readDeviceMembers("PS100001")).toEqual(expectedDevices);
    const lookups = tenant.requestLog.filter((e) => e.path.includes("SMS_R_System"));
    expect(lookups.filter((e) => e.status === 400).length).toBeGreaterThan(0);
    // Once learned, the smaller chains are used from the start: no further 400s on the next read.
    const before = tenant.requestLog.length;
    await source.readDeviceMembers("PS100001");
    expect(tenant.requestLog.slice(before).every((e) => e.status === 200)).toBe(true);
  });

  it("looks a dense collection up with ResourceID ranges", async () => {
    const denseSystems = Array.from({ length: 300 }, (_, i) => ({ ResourceId: 16777216 + i, Name: `D-${i}`, AADDeviceID: DEVICE_ID(i + 1) }));
    tenant = await startSimulatedTenant({
      seed: {
        ...seed,
        configMgr: {
          collections: [{ CollectionID: "PS100009", Name: "Dense", CollectionType: 2, members: denseSystems.map((s) => s.ResourceId) }],
          systems: denseSystems,
        },
      },
    });
    const source = createAdminServiceSourceProvider({ baseUrl: tenant.adminServiceUrl }).open();
    await source.getCollection("PS100009");
    expect(await source.readDeviceMembers("PS100009")).toHaveLength(300);
    const lookups = tenant.requestLog.filter((e) => e.path.includes("SMS_R_System"));
    expect(lookups.map((e) => decodeURIComponent(new URL(e.path, "http://x").searchParams.get("$filter") ?? ""))).toEqual([
      "(ResourceID ge 16777216 and ResourceID le 16777515)",
    ]);
  });
});

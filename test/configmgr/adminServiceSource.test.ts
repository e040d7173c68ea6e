import { afterEach, describe, expect, it } from "vitest";
import { createAdminServiceSourceProvider } from "../../shared/configmgr/adminServiceSource.js";
import { SourceReadError } from "../../shared/errors.js";
import { startSimulatedTenant, type SimulatedTenant, type SimulatorSeed } from "../../simulator/index.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const DEVICE_ID = (n: number) => `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, "0")}`;
const USER_ID = "bbbbbbbb-0000-4000-8000-000000000001";

/** Ten systems: odd ones have an Entra device id, even ones do not (on-premises only). */
const systems = Array.from({ length: 10 }, (_, i) => ({
  ResourceId: 16777001 + i,
  Name: `PC-${i + 1}`,
  AADDeviceID: i % 2 === 0 ? DEVICE_ID(i + 1).toUpperCase() : null,
}));

const seed: SimulatorSeed = {
  tenants: [{ tenantId: TENANT }],
  configMgr: {
    collections: [
      {
        CollectionID: "PS100001",
        Name: "Windows 11 devices",
        CollectionType: 2,
        LastMemberChangeTime: "2026-01-10T08:00:00Z",
        members: systems.map((s) => s.ResourceId),
      },
      { CollectionID: "PS100002", Name: "Finance users", CollectionType: 1, members: [2063597569, 2063597570, 2063597571] },
      { CollectionID: "PS100003", Name: "Empty", CollectionType: 2, members: [] },
    ],
    systems,
    users: [
      { ResourceId: 2063597569, Name: "CONTOSO\\anne (Anne Smith)", UserPrincipalName: "anne@contoso.com", AADUserID: USER_ID },
      { ResourceId: 2063597570, Name: "CONTOSO\\bob (Bob Jones)", UserPrincipalName: "bob@contoso.com", AADUserID: null },
      { ResourceId: 2063597571, Name: "CONTOSO\\svc-old", UserPrincipalName: null, AADUserID: "not-a-guid" },
    ],
  },
};

let tenant: SimulatedTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

async function sourceOver(options: { adminServicePageSize?: number; timeoutMs?: number } = {}) {
  tenant = await startSimulatedTenant({ seed, ...(options.adminServicePageSize === undefined ? {} : { adminServicePageSize: options.adminServicePageSize }) });
  const provider = createAdminServiceSourceProvider({ baseUrl: tenant.adminServiceUrl, timeoutMs: options.timeoutMs ?? 10_000 });
  return { tenant, provider, source: provider.open() };
}

describe("AdminService source over the simulated tenant", () => {
  it("reads a device collection's type, member count and last membership change", async () => {
    const { source } = await sourceOver();
    expect(await source.getCollection("PS100001")).toEqual({
      id: "PS100001",
      name: "Windows 11 devices",
      type: "device",
      memberCount: 10,
      lastMemberChangeTime: "2026-01-10T08:00:00Z",
    });
    expect((await source.getCollection("PS100002"))?.type).toBe("user");
  });

  it("reads the watermarks of several collections with one request; one ConfigMgr does not have is absent", async () => {
    const { source } = await sourceOver();
    const watermarks = await source.getCollections?.(["PS100001", "ps100003", "PS1000FF"]);
    expect(source.requestCount()).toBe(1);
    expect([...(watermarks?.keys() ?? [])].sort()).toEqual(["PS100001", "PS100003"]);
    expect(watermarks?.get("PS100001")).toMatchObject({ type: "device", memberCount: 10, lastMemberChangeTime: "2026-01-10T08:00:00Z" });
    expect(watermarks?.get("PS100003")).toMatchObject({ type: "device", memberCount: 0 });
  });

  it("asks for at most 15 collections per watermark request, under the SMS Provider's 100-node filter limit", async () => {
    const { source } = await sourceOver();
    const ids = Array.from({ length: 31 }, (_, i) => `PS1${(0x100 + i).toString(16).toUpperCase().padStart(5, "0")}`);
    const watermarks = await source.getCollections?.([...ids, "PS100002"]);
    expect(source.requestCount()).toBe(3);
    expect(watermarks?.get("PS100002")).toMatchObject({ type: "user", memberCount: 3 });
  });

  it("answers null for a collection ConfigMgr does not have", async () => {
    const { source } = await sourceOver();
    expect(await source.getCollection("PS1FFFFF")).toBeNull();
  });

  it("reads device members with their Entra device id, and without one where ConfigMgr has none", async () => {
    const { source } = await sourceOver();
    const devices = await source.readDeviceMembers("PS100001");
    expect(devices).toHaveLength(10);
    expect(devices[0]).toEqual({ resourceId: 16777001, name: "PC-1", entraDeviceId: DEVICE_ID(1) });
    expect(devices[1]).toEqual({ resourceId: 16777002, name: "PC-2", entraDeviceId: null });
    expect(devices.filter((d) => d.entraDeviceId !== null)).toHaveLength(5);
  });

  it("reads every member across several server pages", async () => {
    const { source, tenant } = await sourceOver({ adminServicePageSize: 3 });
    tenant.resetCounters();
    const devices = await source.readDeviceMembers("PS100001");
    expect(devices.map((d) => d.resourceId)).toEqual(systems.map((s) => s.ResourceId));
    const membershipPages = tenant.requestLog.filter((e) => e.path.includes("SMS_FullCollectionMembership")).length;
    expect(membershipPages).toBe(4);
    expect(source.requestCount()).toBe(tenant.requestLog.filter((e) => e.service === "adminService").length);
  });

  it("reads user members with UPN, and the Entra object id only where discovery recorded a GUID", async () => {
    const { source } = await sourceOver();
    expect(await source.readUserMembers("PS100002")).toEqual([
      { resourceId: 2063597569, name: "CONTOSO\\anne (Anne Smith)", userPrincipalName: "anne@contoso.com", entraObjectId: USER_ID },
      { resourceId: 2063597570, name: "CONTOSO\\bob (Bob Jones)", userPrincipalName: "bob@contoso.com", entraObjectId: null },
      { resourceId: 2063597571, name: "CONTOSO\\svc-old", userPrincipalName: null, entraObjectId: null },
    ]);
  });

  it("reads an empty collection as no members", async () => {
    const { source } = await sourceOver();
    expect(await source.readDeviceMembers("PS100003")).toEqual([]);
  });

  it("sees a membership change made in ConfigMgr", async () => {
    const { source, tenant } = await sourceOver();
    tenant.setCollectionMembers("PS100001", [16777001, 16777003]);
    expect((await source.readDeviceMembers("PS100001")).map((d) => d.name)).toEqual(["PC-1", "PC-3"]);
  });

  it("fails the read when the AdminService answers 500", async () => {
    const { source, tenant } = await sourceOver();
    tenant.faults.add({ service: "adminService", path: /SMS_R_System/, status: 500 });
    const failure = source.readDeviceMembers("PS100001");
    await expect(failure).rejects.toBeInstanceOf(SourceReadError);
    await expect(failure).rejects.toMatchObject({ kind: "unavailable" });
  });

  it("rides out a short 503 and a 429, counting the retried requests", async () => {
    const { source, tenant } = await sourceOver();
    tenant.faults.add({ service: "adminService", path: /SMS_FullCollectionMembership/, status: 503, times: 1 });
    tenant.faults.add({ service: "adminService", path: /SMS_R_System/, status: 429, retryAfterSeconds: 0, times: 1 });
    expect(await source.readDeviceMembers("PS100001")).toHaveLength(10);
    expect(source.requestCount()).toBe(4);
  });

  it("fails as truncated when a page stops early while MemberCount says there is more", async () => {
    const { source, tenant } = await sourceOver();
    await source.getCollection("PS100001");
    tenant.faults.add({ service: "adminService", path: /SMS_FullCollectionMembership/, truncatePaging: true });
    await expect(source.readDeviceMembers("PS100001")).rejects.toMatchObject({ name: "SourceReadError", kind: "truncated" });
  });

  it("fails as truncated when the members read are fewer than the collection's MemberCount", async () => {
    const { source, tenant } = await sourceOver();
    await source.getCollection("PS100001");
    tenant.faults.add({ service: "adminService", path: /SMS_FullCollectionMembership/, emptyResult: true });
    await expect(source.readDeviceMembers("PS100001")).rejects.toMatchObject({ name: "SourceReadError", kind: "truncated" });
  });

  it("fails as timeout when the AdminService does not answer", async () => {
    const { source, tenant } = await sourceOver({ timeoutMs: 300 });
    tenant.faults.add({ service: "adminService", path: /SMS_Collection/, hang: true });
    await expect(source.getCollection("PS100001")).rejects.toMatchObject({ name: "SourceReadError", kind: "timeout" });
  });

  it("counts requests per view", async () => {
    const { provider } = await sourceOver();
    const first = provider.open();
    const second = provider.open();
    await first.getCollection("PS100001");
    await first.readDeviceMembers("PS100001");
    await second.getCollection("PS100002");
    expect(first.requestCount()).toBe(3);
    expect(second.requestCount()).toBe(1);
  });
});

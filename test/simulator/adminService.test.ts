import { describe, expect, it } from "vitest";
import { buildLargeSeed, demoSeed } from "../../simulator/index.js";
import { adminService, allPages, call, startTenant } from "./fixtures.js";

const membership = (collectionId: string, extra = "") => `/wmi/SMS_FullCollectionMembership?$filter=CollectionID eq '${collectionId}'${extra}`;

describe("simulated AdminService", () => {
  it("describes a collection by key and by $filter", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const byKey = await adminService(tenant, "/wmi/SMS_Collection('PS100012')");
    expect(byKey.status).toBe(200);
    expect(byKey.body["@odata.context"]).toContain("SMS_Collection");
    expect(byKey.body.value[0]).toMatchObject({ CollectionID: "PS100012", Name: "Autopilot devices", CollectionType: 2, MemberCount: 25 });
    const byFilter = await adminService(tenant, "/wmi/SMS_Collection?$filter=CollectionID eq 'PS100013'&$select=CollectionID,CollectionType,MemberCount");
    expect(byFilter.body.value).toEqual([{ CollectionID: "PS100013", CollectionType: 1, MemberCount: 10 }]);
  });

  it("answers 404 for an unknown collection key and an empty list for the $filter form", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const missing = await adminService(tenant, "/wmi/SMS_Collection('PS1FFFFF')");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBeDefined();
    const empty = await adminService(tenant, "/wmi/SMS_Collection?$filter=CollectionID eq 'PS1FFFFF'");
    expect(empty.status).toBe(200);
    expect(empty.body.value).toEqual([]);
  });

  it("updates MemberCount and LastMemberChangeTime when membership is re-evaluated", async () => {
    const clock = Date.UTC(2024, 6, 1, 12, 0, 0);
    const tenant = await startTenant({ seed: demoSeed(), now: () => clock });
    tenant.setCollectionMembers("PS100012", [16777301, 16777302]);
    const row = (await adminService(tenant, "/wmi/SMS_Collection('PS100012')")).body.value[0];
    expect(row).toMatchObject({ MemberCount: 2, LastMemberChangeTime: "2024-07-01T12:00:00.000Z" });
  });

  it("pages the membership with @odata.nextLink above the page size and counts with $count=true", async () => {
    const seed = buildLargeSeed({ devices: 2500 });
    const tenant = await startTenant({ seed, adminServicePageSize: 1000 });
    const first = await adminService(tenant, membership("BEN00001", "&$count=true&$select=ResourceID,ResourceType,Name"));
    expect(first.body["@odata.count"]).toBe(2500);
    expect(first.body.value).toHaveLength(1000);
    expect(first.body.value[0]).toEqual({ ResourceID: 16777216, ResourceType: 5, Name: "DEV-000001" });
    expect(first.body["@odata.nextLink"]).toMatch(new RegExp(`^${tenant.adminServiceUrl}/wmi/SMS_FullCollectionMembership\\?`));
    const { items, pages } = await allPages(`${tenant.adminServiceUrl}${membership("BEN00001")}`);
    expect(pages).toBe(3);
    expect(new Set(items.map((i) => i.ResourceID)).size).toBe(2500);
  });

  it("honours $top and $skip for clients that page themselves", async () => {
    const tenant = await startTenant({ seed: buildLargeSeed({ devices: 30 }) });
    const page = await adminService(tenant, membership("BEN00001", "&$top=10&$skip=25"));
    expect(page.body.value.map((r: { ResourceID: number }) => r.ResourceID)).toEqual([16777241, 16777242, 16777243, 16777244, 16777245]);
    expect(page.body["@odata.nextLink"]).toBeUndefined();
  });

  it("looks systems up by long ResourceId or-chains and in (…)", async () => {
    const tenant = await startTenant({ seed: buildLargeSeed({ devices: 200, withoutEntraId: 3 }) });
    const ids = Array.from({ length: 100 }, (_, i) => 16777216 + i);
    const chain = ids.map((id) => `ResourceId eq ${id}`).join(" or ");
    const answer = await adminService(tenant, `/wmi/SMS_R_System?$filter=${encodeURIComponent(chain)}&$select=ResourceId,AADDeviceID`);
    expect(answer.status).toBe(200);
    expect(answer.body.value).toHaveLength(100);
    expect(answer.body.value.filter((s: { AADDeviceID: string | null }) => s.AADDeviceID === null)).toHaveLength(3);
    const inList = await adminService(tenant, `/wmi/SMS_R_System?$filter=${encodeURIComponent("ResourceId in (16777216,16777217)")}`);
    expect(inList.body.value).toHaveLength(2);
  });

  it("returns users with their UPN", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const users = await adminService(tenant, "/wmi/SMS_R_User?$filter=ResourceId eq 2063597001&$select=ResourceId,UserPrincipalName,AADUserID");
    expect(users.body.value).toEqual([{ ResourceId: 2063597001, UserPrincipalName: "adele@contoso.example", AADUserID: expect.any(String) }]);
  });

  it("rejects junk queries with 400 and unknown classes with 404, never a 500", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    for (const query of ["$filter=CollectionID eq", "$filter=Colour eq 'red'", "$select=Nope", "$top=-1", "$orderby=Name", "$filter=CollectionID eq 'x' and and"]) {
      const answer = await adminService(tenant, `/wmi/SMS_FullCollectionMembership?${query}`);
      expect(answer.status, query).toBe(400);
    }
    expect((await adminService(tenant, "/wmi/SMS_Nothing")).status).toBe(404);
    expect((await call(`${tenant.adminServiceUrl}/wmi/SMS_Collection`, { method: "DELETE" })).status).toBe(405);
  });

  it("can truncate paging while @odata.count and MemberCount still tell the truth", async () => {
    const tenant = await startTenant({ seed: buildLargeSeed({ devices: 1500 }) });
    tenant.faults.add({ service: "adminService", path: /SMS_FullCollectionMembership/, truncatePaging: true });
    const page = await adminService(tenant, membership("BEN00001", "&$count=true"));
    expect(page.body["@odata.count"]).toBe(1500);
    expect(page.body.value.length).toBeLessThan(1000);
    expect(page.body["@odata.nextLink"]).toBeUndefined();
    expect((await adminService(tenant, "/wmi/SMS_Collection('BEN00001')")).body.value[0].MemberCount).toBe(1500);
  });

  it("can answer an empty result, a 500, or hang until the client gives up", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const empty = tenant.faults.add({ service: "adminService", emptyResult: true, times: 1 });
    expect((await adminService(tenant, membership("PS100012"))).body.value).toEqual([]);
    expect(empty.hits).toBe(1);
    tenant.faults.add({ service: "adminService", status: 500, times: 1 });
    expect((await adminService(tenant, membership("PS100012"))).status).toBe(500);
    expect((await adminService(tenant, membership("PS100012"))).body.value).toHaveLength(25);
    const hang = tenant.faults.add({ service: "adminService", hang: true });
    const arrived = new Promise<void>((resolve) => tenant.onRequest(() => resolve()));
    const controller = new AbortController();
    const pending = fetch(`${tenant.adminServiceUrl}${membership("PS100012")}`, { signal: controller.signal });
    await arrived;
    const settled = await Promise.race([pending.then(() => "answered"), new Promise((r) => setImmediate(() => r("still waiting")))]);
    expect(settled).toBe("still waiting");
    expect(hang.hits).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
  });
});

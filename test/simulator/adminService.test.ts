import { describe, expect, it } from "vitest";
import { buildLargeSeed, demoSeed, LENIENT_ADMINSERVICE } from "../../simulator/index.js";
import { adminService, allPages, call, startTenant } from "./fixtures.js";

const membership = (collectionId: string, extra = "") => `/wmi/SMS_FullCollectionMembership?$filter=CollectionID eq '${collectionId}'${extra}`;

describe("simulated AdminService", () => {
  it("describes a collection by key and by $filter", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const byKey = await adminService(tenant, "/wmi/SMS_Collection('PS100012')");
    expect(byKey.status).toBe(200);
    expect(byKey.body["@odata.context"]).toMatch(/SMS_Collection\/\$entity$/);
    expect(byKey.body).toMatchObject({ CollectionID: "PS100012", Name: "Autopilot devices", CollectionType: 2, MemberCount: 25 });
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
    const row = (await adminService(tenant, "/wmi/SMS_Collection('PS100012')")).body;
    expect(row).toMatchObject({ MemberCount: 2, LastMemberChangeTime: "2024-07-01T12:00:00.000Z" });
  });

  it("pages the membership with @odata.nextLink above the page size and, where a site allows it, counts with $count=true", async () => {
    const seed = buildLargeSeed({ devices: 2500 });
    const tenant = await startTenant({ seed, adminServicePageSize: 1000, adminService: LENIENT_ADMINSERVICE });
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

  it("looks systems up by long ResourceId or-chains and in (…) where a site lifts the node limit", async () => {
    const tenant = await startTenant({ seed: buildLargeSeed({ devices: 200, withoutEntraId: 3 }), adminService: LENIENT_ADMINSERVICE });
    const ids = Array.from({ length: 100 }, (_, i) => 16777216 + i);
    const chain = ids.map((id) => `ResourceId eq ${id}`).join(" or ");
    const answer = await adminService(tenant, `/wmi/SMS_R_System?$filter=${encodeURIComponent(chain)}&$select=ResourceId,AADDeviceID`);
    expect(answer.status).toBe(200);
    expect(answer.body.value).toHaveLength(100);
    expect(answer.body.value.filter((s: { AADDeviceID: string | null }) => s.AADDeviceID === null)).toHaveLength(3);
    const inList = await adminService(tenant, `/wmi/SMS_R_System?$filter=${encodeURIComponent("ResourceId in (16777216,16777217)")}`);
    expect(inList.body.value).toHaveLength(2);
  });

  it("returns users with their UPN, spelling ResourceID as the class reference does", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const users = await adminService(tenant, "/wmi/SMS_R_User?$filter=ResourceId eq 2063597001&$select=ResourceId,UserPrincipalName,AADUserID");
    expect(users.body.value).toEqual([{ ResourceID: 2063597001, UserPrincipalName: "adele@contoso.example", AADUserID: expect.any(String) }]);
  });

  it("rejects junk queries with 400 and unknown classes with 404, never a 500", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    for (const query of [
      "$filter=CollectionID eq",
      "$filter=Colour eq 'red'",
      "$select=Nope",
      "$top=-1",
      "$orderby=Name",
      "$filter=CollectionID eq 'x' and and",
    ]) {
      const answer = await adminService(tenant, `/wmi/SMS_FullCollectionMembership?${query}`);
      expect(answer.status, query).toBe(400);
    }
    expect((await adminService(tenant, "/wmi/SMS_Nothing")).status).toBe(404);
    expect((await call(`${tenant.adminServiceUrl}/wmi/SMS_Collection`, { method: "DELETE" })).status).toBe(405);
  });

  it("can truncate paging while MemberCount still tells the truth", async () => {
    const tenant = await startTenant({ seed: buildLargeSeed({ devices: 1500 }) });
    tenant.faults.add({ service: "adminService", path: /SMS_FullCollectionMembership/, truncatePaging: true });
    const page = await adminService(tenant, membership("BEN00001"));
    expect(page.body.value.length).toBeLessThan(1000);
    expect(page.body["@odata.nextLink"]).toBeUndefined();
    expect((await adminService(tenant, "/wmi/SMS_Collection('BEN00001')")).body.MemberCount).toBe(1500);
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

  it("strict mode: refuses a $filter over 100 nodes with ASP.NET OData's own 400, and takes one at the limit", async () => {
    const tenant = await startTenant({ seed: buildLargeSeed({ devices: 50 }) });
    const chain = (n: number) => Array.from({ length: n }, (_, i) => `ResourceID eq ${16777216 + i}`).join(" or ");
    // 6 nodes per numeric comparison (with its Convert) and one per `or`: 16 clauses are 95 nodes, 17 are 101.
    const atLimit = await adminService(tenant, `/wmi/SMS_R_System?$filter=${encodeURIComponent(chain(16))}`);
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.value).toHaveLength(16);
    const over = await adminService(tenant, `/wmi/SMS_R_System?$filter=${encodeURIComponent(chain(17))}`);
    expect(over.status).toBe(400);
    expect(over.body.error.message).toBe(
      "The query specified in the URI is not valid. The node count limit of '100' has been exceeded. To increase the limit, set the 'MaxNodeCount' property on EnableQueryAttribute or ODataValidationSettings.",
    );
  });

  it("strict mode: refuses $count as a query option the site does not allow; other profiles ignore or answer it", async () => {
    const strict = await startTenant({ seed: demoSeed() });
    const refused = await adminService(strict, membership("PS100012", "&$count=true"));
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      "The query specified in the URI is not valid. Query option 'Count' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.",
    );
    const ignoring = await startTenant({ seed: demoSeed(), adminService: { ...LENIENT_ADMINSERVICE, count: "ignore" } });
    const ignored = await adminService(ignoring, membership("PS100012", "&$count=true"));
    expect(ignored.status).toBe(200);
    expect(ignored.body["@odata.count"]).toBeUndefined();
  });

  it("answers keyed reads as a value list and spells properties in lower case where a profile says so", async () => {
    const tenant = await startTenant({ seed: demoSeed(), adminService: { ...LENIENT_ADMINSERVICE, keyedRead: "list", propertyCase: "lower" } });
    const byKey = await adminService(tenant, "/wmi/SMS_Collection('PS100012')");
    expect(byKey.body.value[0]).toMatchObject({ collectionid: "PS100012", membercount: 25 });
    const users = await adminService(tenant, "/wmi/SMS_R_User?$filter=ResourceID eq 2063597001&$select=ResourceID,UserPrincipalName");
    expect(users.body.value).toEqual([{ resourceid: 2063597001, userprincipalname: "adele@contoso.example" }]);
  });

  it("selects ResourceID ranges", async () => {
    const tenant = await startTenant({ seed: buildLargeSeed({ devices: 100 }) });
    const filter = "(ResourceID ge 16777220 and ResourceID le 16777229) or ResourceID eq 16777300";
    const answer = await adminService(tenant, `/wmi/SMS_R_System?$filter=${encodeURIComponent(filter)}&$select=ResourceID`);
    expect(answer.body.value.map((r: { ResourceID: number }) => r.ResourceID)).toEqual([...Array.from({ length: 10 }, (_, i) => 16777220 + i), 16777300]);
  });
});

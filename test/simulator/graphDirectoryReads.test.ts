import { describe, expect, it } from "vitest";
import { allPages, deviceObjectId, entraDeviceId, graph, graphJson, smallSeed, startTenant, userId } from "./fixtures.js";

const inList = (values: string[]) => encodeURIComponent(`deviceId in (${values.map((v) => `'${v}'`).join(",")})`);

describe("simulated Graph: devices and users", () => {
  it("finds a device by its Entra deviceId, by eq, in (…) and the alternate key", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 20 }) });
    const eq = await graph(tenant, `/devices?$filter=${encodeURIComponent(`deviceId eq '${entraDeviceId(3)}'`)}&$select=id,deviceId,trustType,accountEnabled`);
    expect(eq.body.value).toEqual([{ id: deviceObjectId(3), deviceId: entraDeviceId(3), trustType: "AzureAd", accountEnabled: true }]);
    const many = await graph(
      tenant,
      `/devices?$filter=${inList([1, 2, 99].map((n) => (n === 99 ? "00000000-0000-4000-8000-000000000099" : entraDeviceId(n))))}`,
    );
    expect(many.body.value.map((d: { id: string }) => d.id).sort()).toEqual([deviceObjectId(1), deviceObjectId(2)].sort());
    const alternate = await graph(tenant, `/devices(deviceId='${entraDeviceId(5)}')?$select=id`);
    expect(alternate.body.id).toBe(deviceObjectId(5));
    expect((await graph(tenant, `/devices(deviceId='00000000-0000-4000-8000-000000000099')`)).status).toBe(404);
  });

  it("refuses an in (…) list of 16 values with Request_UnsupportedQuery", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 16 }) });
    const fifteen = await graph(tenant, `/devices?$filter=${inList(Array.from({ length: 15 }, (_, i) => entraDeviceId(i)))}`);
    expect(fifteen.status).toBe(200);
    const sixteen = await graph(tenant, `/devices?$filter=${inList(Array.from({ length: 16 }, (_, i) => entraDeviceId(i)))}`);
    expect(sixteen.status).toBe(400);
    expect(sixteen.body.error).toMatchObject({
      code: "Request_UnsupportedQuery",
      message: "Too many child clauses specified in search filter expression containing 'OR' operators: 16. Max allowed: 15",
    });
  });

  it("refuses a users `id in (…)` list of 16 values the same way, and answers 15 under User.Read.All", async () => {
    const tenant = await startTenant({ seed: smallSeed({ users: 16 }) });
    tenant.setPermissions(["User.Read.All"]);
    const ids = (n: number) => encodeURIComponent(`id in (${Array.from({ length: n }, (_, i) => `'${userId(i)}'`).join(",")})`);
    const fifteen = await graph(tenant, `/users?$filter=${ids(15)}&$select=id,userPrincipalName,accountEnabled`);
    expect(fifteen.status).toBe(200);
    expect(fifteen.body.value).toHaveLength(15);
    const sixteen = await graph(tenant, `/users?$filter=${ids(16)}`);
    expect(sixteen.status).toBe(400);
    expect(sixteen.body.error.code).toBe("Request_UnsupportedQuery");
    tenant.setPermissions(["GroupMember.ReadWrite.All"]);
    expect((await graph(tenant, `/users?$filter=${ids(1)}`)).status).toBe(403);
  });

  it("lists every device in pages of up to 999", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 1200 }) });
    const { items, pages } = await allPages(`${tenant.graphBaseUrl}/v1.0/devices?$select=id,deviceId,trustType,accountEnabled&$top=999`);
    expect(pages).toBe(2);
    expect(items).toHaveLength(1200);
  });

  it("gets a user by id or userPrincipalName and filters users with in (…)", async () => {
    const tenant = await startTenant({ seed: smallSeed({ users: 4 }) });
    expect((await graph(tenant, `/users/${userId(1)}`)).body.userPrincipalName).toBe("user1@contoso.example");
    expect((await graph(tenant, `/users/USER2@contoso.example?$select=id,accountEnabled`)).body).toMatchObject({ id: userId(2), accountEnabled: true });
    expect((await graph(tenant, `/users/nobody@contoso.example`)).status).toBe(404);
    const filter = encodeURIComponent("userPrincipalName in ('user0@contoso.example','user3@contoso.example')");
    const listed = await graph(tenant, `/users?$filter=${filter}&$select=id`);
    expect(listed.body.value.map((u: { id: string }) => u.id).sort()).toEqual([userId(0), userId(3)].sort());
  });

  it("resolves ids in bulk with getByIds under Directory.Read.All only, leaving unknown ids out", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 2, users: 2 }) });
    const refused = await graphJson(tenant, "POST", "/directoryObjects/getByIds", { ids: [userId(0)], types: ["user"] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("Authorization_RequestDenied");
    tenant.setPermissions(["Directory.Read.All"]);
    const answer = await graphJson(tenant, "POST", "/directoryObjects/getByIds", {
      ids: [userId(0), deviceObjectId(1), "00000000-0000-4000-8000-000000000099"],
      types: ["user", "device"],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.value.map((o: { "@odata.type": string }) => o["@odata.type"]).sort()).toEqual(["#microsoft.graph.device", "#microsoft.graph.user"]);
    expect(tenant.counters.graphReads).toBe(2);
    const tooMany = await graphJson(tenant, "POST", "/directoryObjects/getByIds", { ids: Array.from({ length: 1001 }, (_, i) => String(i)) });
    expect(tooMany.status).toBe(400);
  });

  it("rejects junk filters and unknown properties with 400", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    for (const filter of ["deviceId eq", "deviceId eq 'x' or", "((deviceId eq 'x')", "deviceId like 'x'", "colour eq 'red'", "deviceId eq 'unterminated"]) {
      const answer = await graph(tenant, `/devices?$filter=${encodeURIComponent(filter)}`);
      expect(answer.status, filter).toBe(400);
    }
    expect((await graph(tenant, "/devices?$select=id,colour")).status).toBe(400);
  });
});

import { describe, expect, it } from "vitest";
import { PROBLEM_BASE } from "../../shared/api/problems.js";
import { harnessPerTest, type ApiHarness } from "./apiHarness.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";

const start = harnessPerTest();

async function refusal(h: ApiHarness, body: Record<string, unknown>) {
  const answer = await h.call("POST", "/mappings", { body });
  expect(answer.headers["content-type"]).toBe("application/problem+json");
  expect(await h.storedMappings()).toEqual([]);
  return answer;
}

describe("creating a mapping checks the group in Entra and the collection in ConfigMgr", () => {
  const refused: [string, string, string][] = [
    ["a group that does not exist", GROUPS.missing, "group-not-found"],
    ["a dynamic group", GROUPS.dynamic, "dynamic-membership"],
    ["a group synced from on-premises AD", GROUPS.synced, "on-premises-synced"],
    ["a mail-enabled security group", GROUPS.mailEnabled, "mail-enabled"],
    ["a Microsoft 365 group for a device collection", GROUPS.unified, "microsoft-365-group"],
    ["a role-assignable group", GROUPS.roleAssignable, "role-assignable"],
    ["a group that is not security-enabled", GROUPS.notSecurity, "not-security-enabled"],
  ];
  it.each(refused)("refuses %s with its own problem type and stores nothing", async (_what, groupId, type) => {
    const h = await start();
    const answer = await refusal(h, { collectionId: COLLECTIONS.devices, groupId });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ type: `${PROBLEM_BASE}${type}`, status: 422, instance: "/api/mappings" });
    expect(answer.body.detail).toEqual(expect.any(String));
  });

  it("refuses a group that became dynamic after it was listed", async () => {
    const h = await start();
    h.tenant.updateGroup(GROUPS.assigned, { groupTypes: ["DynamicMembership"], membershipRule: '(device.deviceOSType -eq "Windows")' });
    const answer = await refusal(h, { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned });
    expect(answer.body.type).toBe(`${PROBLEM_BASE}dynamic-membership`);
  });

  it("refuses a collection ConfigMgr does not know, before asking Graph", async () => {
    const h = await start();
    const graphCalls = () => h.tenant.requestLog.filter((entry) => entry.service === "graph").length;
    const before = graphCalls();
    const answer = await refusal(h, { collectionId: COLLECTIONS.missing, groupId: GROUPS.assigned });
    expect(answer.status).toBe(422);
    expect(answer.body.type).toBe(`${PROBLEM_BASE}collection-not-found`);
    expect(graphCalls()).toBe(before);
  });

  it("refuses a collection that is neither a device nor a user collection", async () => {
    const h = await start();
    const answer = await refusal(h, { collectionId: COLLECTIONS.other, groupId: GROUPS.assigned });
    expect(answer.body.type).toBe(`${PROBLEM_BASE}unsupported-collection-type`);
  });

  it("records a user collection's member type, and refuses hybrid-joined devices for it", async () => {
    const h = await start();
    const hybrid = await refusal(h, { collectionId: COLLECTIONS.users, groupId: GROUPS.assigned2, includeHybridJoined: true });
    expect(hybrid.status).toBe(400);
    expect(hybrid.body.type).toBe(`${PROBLEM_BASE}validation`);
    const created = await h.call("POST", "/mappings", { body: { collectionId: COLLECTIONS.users, groupId: GROUPS.assigned2 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ memberType: "user", collectionName: "Pilot Users", createdBy: "local" });
  });
});

describe("when ConfigMgr or Graph cannot answer", () => {
  it("answers 502 insufficient-privileges when Graph refuses to read the group, and stores nothing", async () => {
    const h = await start();
    h.tenant.faults.add({
      service: "graph",
      method: "GET",
      path: /^\/groups\//,
      status: 403,
      body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges to complete the operation." } },
    });
    const answer = await refusal(h, { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned });
    expect(answer.status).toBe(502);
    expect(answer.body.type).toBe(`${PROBLEM_BASE}insufficient-privileges`);
    expect(answer.body.detail).toMatch(/GroupMember\.ReadWrite\.All/);
  });

  it("answers 502 source-unavailable when the AdminService fails, and stores nothing", async () => {
    const h = await start();
    h.tenant.faults.add({ service: "adminService", status: 503 });
    const answer = await refusal(h, { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned });
    expect(answer.status).toBe(502);
    expect(answer.body.type).toBe(`${PROBLEM_BASE}source-unavailable`);
  });
});

describe("group search", () => {
  it("marks each hit eligible or not, with the same reason creating a mapping would give", async () => {
    const h = await start();
    const answer = await h.call("GET", "/groups?search=Intune");
    expect(answer.status).toBe(200);
    const byId = new Map<string, { eligible: boolean; reason?: string; message?: string }>(answer.body.items.map((item: { id: string }) => [item.id, item]));
    expect(byId.get(GROUPS.assigned)).toMatchObject({ eligible: true, displayName: "Intune Pilot Devices" });
    expect(byId.get(GROUPS.assigned)?.reason).toBeUndefined();
    expect(byId.get(GROUPS.dynamic)).toMatchObject({ eligible: false, reason: "dynamic-membership" });
    expect(byId.get(GROUPS.synced)).toMatchObject({ eligible: false, reason: "on-premises-synced" });
    expect(byId.get(GROUPS.mailEnabled)).toMatchObject({ eligible: false, reason: "mail-enabled" });
    expect(byId.get(GROUPS.unified)).toMatchObject({ eligible: false, reason: "microsoft-365-group" });
    expect(byId.get(GROUPS.roleAssignable)).toMatchObject({ eligible: false, reason: "role-assignable" });
    expect(byId.get(GROUPS.notSecurity)).toMatchObject({ eligible: false, reason: "not-security-enabled" });
    expect(byId.get(GROUPS.dynamic)?.message).toMatch(/dynamic membership/);
  });

  it("finds only groups whose name matches", async () => {
    const h = await start();
    const answer = await h.call("GET", "/groups?search=Helpdesk");
    expect(answer.body.items.map((item: { id: string }) => item.id)).toEqual([GROUPS.roleAssignable]);
  });

  it("requires search text and refuses quotes that would break Graph's $search", async () => {
    const h = await start();
    const missing = await h.call("GET", "/groups");
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([{ in: "query", name: "search", message: "is required" }]);
    const quoted = await h.call("GET", `/groups?search=${encodeURIComponent('a" OR "b')}`);
    expect(quoted.status).toBe(400);
    expect(quoted.body.errors[0]).toMatchObject({ in: "query", name: "search" });
    const badTenant = await h.call("GET", `/groups?search=Intune&tenantId=${encodeURIComponent("x' or 1 eq 1")}`);
    expect(badTenant.status).toBe(400);
  });
});

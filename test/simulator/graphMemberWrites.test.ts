import { describe, expect, it } from "vitest";
import { demoSeed } from "../../simulator/index.js";
import { bind, deviceObjectId, graph, graphJson, GROUP_ID, smallSeed, startTenant, userId } from "./fixtures.js";

const ALREADY = "One or more added object references already exist for the following modified properties: 'members'.";

function demoGroup(tenant: Awaited<ReturnType<typeof startTenant>>, name: string): string {
  const group = [...tenant.directory().groups.values()].find((g) => g.displayName === name);
  if (!group) throw new Error(`demo seed has no group ${name}`);
  return group.id;
}

describe("simulated Graph: adding and removing members", () => {
  it("adds up to 20 members with one PATCH (204)", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 20 }) });
    const ids = Array.from({ length: 20 }, (_, i) => deviceObjectId(i));
    const answer = await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, { "members@odata.bind": ids.map(bind) });
    expect(answer.status).toBe(204);
    expect(new Set(tenant.groupMemberIds(GROUP_ID))).toEqual(new Set(ids));
    expect(tenant.counters.graphWrites).toBe(1);
  });

  it("accepts any host in front of /directoryObjects/{id}", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const answer = await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, {
      "members@odata.bind": [`${tenant.graphBaseUrl}/v1.0/directoryObjects/${deviceObjectId(1)}`],
    });
    expect(answer.status).toBe(204);
  });

  it("refuses 21 members in one PATCH", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 21 }) });
    const ids = Array.from({ length: 21 }, (_, i) => deviceObjectId(i));
    const answer = await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, { "members@odata.bind": ids.map(bind) });
    expect(answer.status).toBe(400);
    expect(tenant.groupMemberIds(GROUP_ID)).toEqual([]);
  });

  it("fails the whole PATCH when one member is already there, with Graph's text", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 5, groupMembers: [deviceObjectId(3)] }) });
    const ids = [0, 1, 2, 3, 4].map(deviceObjectId);
    const answer = await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, { "members@odata.bind": ids.map(bind) });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: "Request_BadRequest", message: ALREADY });
    expect(tenant.groupMemberIds(GROUP_ID)).toEqual([deviceObjectId(3)]);
  });

  it("answers 404 with the documented text for an unknown object, adding nothing", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const ghost = "0badbad0-0000-4000-8000-000000000000";
    const answer = await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, { "members@odata.bind": [bind(deviceObjectId(0)), bind(ghost)] });
    expect(answer.status).toBe(404);
    expect(answer.body.error.message).toBe(`Resource '${ghost}' does not exist or one of its queried reference-property objects are not present.`);
    expect(tenant.groupMemberIds(GROUP_ID)).toEqual([]);
  });

  it.each([
    ["Autopilot Devices (Dynamic)", 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."],
    ["Autopilot Admins (role-assignable)", 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."],
    [
      "Autopilot Devices - Synced from AD",
      400,
      "Request_BadRequest",
      "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.",
    ],
    [
      "Autopilot Device Owners (mail-enabled)",
      400,
      "Request_BadRequest",
      "Unable to update the specified properties for objects that have originated within an external service.",
    ],
  ])("refuses writes into %s", async (name, status, code, message) => {
    const tenant = await startTenant({ seed: demoSeed() });
    const device = [...tenant.directory().devices.values()][0]?.id as string;
    const answer = await graphJson(tenant, "PATCH", `/groups/${demoGroup(tenant, name)}`, { "members@odata.bind": [bind(device)] });
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatchObject({ code, message });
  });

  it("takes users but not devices into a Microsoft 365 group", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const team = demoGroup(tenant, "Autopilot Project Team");
    const device = [...tenant.directory().devices.values()][0]?.id as string;
    const user = [...tenant.directory().users.values()][1]?.id as string;
    expect((await graphJson(tenant, "PATCH", `/groups/${team}`, { "members@odata.bind": [bind(device)] })).status).toBe(400);
    expect((await graphJson(tenant, "PATCH", `/groups/${team}`, { "members@odata.bind": [bind(user)] })).status).toBe(204);
  });

  it("refuses devices without Device.ReadWrite.All but still takes users", async () => {
    const seed = smallSeed();
    if (seed.tenants[0]) seed.tenants[0].grantedPermissions = ["GroupMember.ReadWrite.All", "User.Read.All"];
    const tenant = await startTenant({ seed });
    const device = await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, { "members@odata.bind": [bind(deviceObjectId(0))] });
    expect(device.status).toBe(403);
    expect(device.body.error.code).toBe("Authorization_RequestDenied");
    expect((await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, { "members@odata.bind": [bind(userId(0))] })).status).toBe(204);
  });

  it("adds one member with POST …/members/$ref under the same rules", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const ref = { "@odata.id": bind(deviceObjectId(2)) };
    expect((await graphJson(tenant, "POST", `/groups/${GROUP_ID}/members/$ref`, ref)).status).toBe(204);
    const again = await graphJson(tenant, "POST", `/groups/${GROUP_ID}/members/$ref`, ref);
    expect(again.status).toBe(400);
    expect(again.body.error.message).toBe(ALREADY);
  });

  it("removes with DELETE …/members/{id}/$ref and answers 404 when not a member", async () => {
    const tenant = await startTenant({ seed: smallSeed({ groupMembers: [deviceObjectId(1)] }) });
    expect((await graph(tenant, `/groups/${GROUP_ID}/members/${deviceObjectId(1)}/$ref`, { method: "DELETE" })).status).toBe(204);
    expect(tenant.groupMemberIds(GROUP_ID)).toEqual([]);
    expect((await graph(tenant, `/groups/${GROUP_ID}/members/${deviceObjectId(1)}/$ref`, { method: "DELETE" })).status).toBe(404);
  });

  it("never treats DELETE …/members/{id} without $ref as a member removal", async () => {
    const tenant = await startTenant({ seed: smallSeed({ groupMembers: [deviceObjectId(1)] }) });
    const answer = await graph(tenant, `/groups/${GROUP_ID}/members/${deviceObjectId(1)}`, { method: "DELETE" });
    expect(answer.status).toBe(405);
    expect(tenant.groupMemberIds(GROUP_ID)).toEqual([deviceObjectId(1)]);
    expect(tenant.directory().devices.has(deviceObjectId(1))).toBe(true);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const answer = await graph(tenant, `/groups/${GROUP_ID}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: "{not json" });
    expect(answer.status).toBe(400);
  });
});

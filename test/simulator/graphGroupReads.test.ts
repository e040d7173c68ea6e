import { describe, expect, it } from "vitest";
import { demoSeed } from "../../simulator/index.js";
import { allPages, deviceObjectId, graph, GROUP_ID, smallSeed, startTenant } from "./fixtures.js";

const eventual = { ConsistencyLevel: "eventual" };

describe("simulated Graph: reading groups", () => {
  it("returns a group's properties, honouring $select", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const full = await graph(tenant, `/groups/${GROUP_ID}`);
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ id: GROUP_ID, displayName: "Autopilot Devices", securityEnabled: true, mailEnabled: false, groupTypes: [] });
    expect(full.headers.get("x-ms-resource-unit")).toBe("1");
    const slim = await graph(tenant, `/groups/${GROUP_ID}?$select=id,groupTypes`);
    expect(Object.keys(slim.body).filter((k) => !k.startsWith("@"))).toEqual(["id", "groupTypes"]);
  });

  it("answers 404 Request_ResourceNotFound with Graph's error shape for an unknown group", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const missing = "00000000-0000-4000-8000-00000000dead";
    const answer = await graph(tenant, `/groups/${missing}`);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe("Request_ResourceNotFound");
    expect(answer.body.error.message).toBe(`Resource '${missing}' does not exist or one of its queried reference-property objects are not present.`);
    expect(Object.keys(answer.body.error.innerError).sort()).toEqual(["client-request-id", "date", "request-id"]);
  });

  it("refuses $search without the ConsistencyLevel: eventual header", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const answer = await graph(tenant, `/groups?$search="displayName:autopilot"`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("Request_UnsupportedQuery");
    expect(answer.body.error.message).toContain("ConsistencyLevel: eventual");
  });

  it("searches displayName by word prefix, and shows the kinds of group a mapping must refuse", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const answer = await graph(tenant, `/groups?$search="displayName:autop"&$select=id,displayName,groupTypes&$count=true`, { headers: eventual });
    expect(answer.status).toBe(200);
    const names = (answer.body.value as { displayName: string }[]).map((g) => g.displayName);
    expect(names).toContain("Autopilot Devices (Dynamic)");
    expect(names).toContain("Autopilot Project Team");
    expect(names).not.toContain("Sales Users - Cloud Sync");
    expect(answer.body["@odata.count"]).toBe(names.length);
    const middle = await graph(tenant, `/groups?$search="displayName:devices"`, { headers: eventual });
    expect((middle.body.value as unknown[]).length).toBeGreaterThan(0);
    const inside = await graph(tenant, `/groups?$search="displayName:utopilot"`, { headers: eventual });
    expect(inside.body.value).toEqual([]);
  });

  it("orders search results by displayName", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const answer = await graph(tenant, `/groups?$search="displayName:autopilot"&$orderby=displayName&$select=displayName`, { headers: eventual });
    const names = (answer.body.value as { displayName: string }[]).map((g) => g.displayName);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" })));
    expect((await graph(tenant, `/groups?$orderby=createdDateTime`, { headers: eventual })).status).toBe(400);
  });

  it("filters with startswith and '' escaping", async () => {
    const seed = smallSeed();
    seed.tenants[0]?.groups?.push({ id: "90000000-0000-4000-8000-0000000000aa", displayName: "O'Brien's devices" });
    const tenant = await startTenant({ seed });
    const answer = await graph(tenant, `/groups?$filter=${encodeURIComponent("startswith(displayName,'O''Brien')")}`);
    expect(answer.status).toBe(200);
    expect(answer.body.value.map((g: { displayName: string }) => g.displayName)).toEqual(["O'Brien's devices"]);
  });

  it("pages 2,500 members with absolute nextLinks built from the server address", async () => {
    const members = Array.from({ length: 2500 }, (_, i) => deviceObjectId(i));
    const tenant = await startTenant({ seed: smallSeed({ devices: 2500, groupMembers: members }) });
    const first = await graph(tenant, `/groups/${GROUP_ID}/members/microsoft.graph.device?$select=id,deviceId&$top=999`);
    expect(first.body["@odata.nextLink"]).toMatch(
      new RegExp(`^${tenant.graphBaseUrl}/v1\\.0/groups/${GROUP_ID}/members/microsoft\\.graph\\.device\\?.*\\$skiptoken=`),
    );
    expect(first.headers.get("x-ms-resource-unit")).toBe("2");
    const { items, pages } = await allPages(`${tenant.graphBaseUrl}/v1.0/groups/${GROUP_ID}/members/microsoft.graph.device?$select=id,deviceId&$top=999`);
    expect(pages).toBe(3);
    expect(new Set(items.map((i) => i.id))).toEqual(new Set(members));
    expect(items[0]).toEqual({ "@odata.type": "#microsoft.graph.device", id: members[0], deviceId: expect.any(String) });
  });

  it("defaults to 100 members a page and refuses $top=1000", async () => {
    const members = Array.from({ length: 150 }, (_, i) => deviceObjectId(i));
    const tenant = await startTenant({ seed: smallSeed({ devices: 150, groupMembers: members }) });
    const page = await graph(tenant, `/groups/${GROUP_ID}/members`);
    expect(page.body.value).toHaveLength(100);
    const tooBig = await graph(tenant, `/groups/${GROUP_ID}/members/microsoft.graph.device?$top=1000`);
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.message).toContain("999");
  });

  it("lists only members of the cast type", async () => {
    const tenant = await startTenant({ seed: demoSeed() });
    const team = tenant.directory().groups.values();
    const unified = [...team].find((g) => g.groupTypes.includes("Unified"));
    const devices = await graph(tenant, `/groups/${unified?.id}/members/microsoft.graph.device`);
    const users = await graph(tenant, `/groups/${unified?.id}/members/microsoft.graph.user?$select=id,userPrincipalName`);
    expect(devices.body.value).toEqual([]);
    expect(users.body.value).toHaveLength(1);
    expect(users.body.value[0]["@odata.type"]).toBe("#microsoft.graph.user");
  });

  it("counts members as text/plain only with ConsistencyLevel: eventual", async () => {
    const members = Array.from({ length: 7 }, (_, i) => deviceObjectId(i));
    const tenant = await startTenant({ seed: smallSeed({ devices: 7, groupMembers: members }) });
    const counted = await graph(tenant, `/groups/${GROUP_ID}/members/$count`, { headers: eventual });
    expect(counted.status).toBe(200);
    expect(counted.headers.get("content-type")).toContain("text/plain");
    expect(counted.body).toBe(7);
    expect((await graph(tenant, `/groups/${GROUP_ID}/members/$count`)).status).toBe(400);
  });

  it("answers an unknown path with Graph's segment error, not a crash", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const answer = await graph(tenant, "/teamwork/nothing");
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toBe("Resource not found for the segment 'teamwork'.");
  });
});

import { describe, expect, it } from "vitest";
import { simulatorToken } from "../../simulator/index.js";
import { bind, deviceObjectId, graph, graphJson, GROUP_ID, smallSeed, startTenant, TENANT_A, TENANT_B } from "./fixtures.js";

function twoTenants() {
  const a = smallSeed({ tenantId: TENANT_A, devices: 2 });
  const b = smallSeed({ tenantId: TENANT_B, devices: 2 });
  return { tenants: [...a.tenants, ...b.tenants] };
}

describe("simulated tenant: tenants and tokens", () => {
  it("attributes requests to the tenant named by the bearer token and logs it", async () => {
    const tenant = await startTenant({ seed: twoTenants() });
    const answer = await graphJson(
      tenant,
      "PATCH",
      `/groups/${GROUP_ID}`,
      { "members@odata.bind": [bind(deviceObjectId(1))] },
      { Authorization: `Bearer ${simulatorToken(TENANT_B)}` },
    );
    expect(answer.status).toBe(204);
    expect(tenant.groupMemberIds(GROUP_ID, TENANT_B)).toEqual([deviceObjectId(1)]);
    expect(tenant.groupMemberIds(GROUP_ID, TENANT_A)).toEqual([]);
    expect(tenant.requestLog.at(-1)).toMatchObject({ tenantId: TENANT_B, kind: "write", service: "graph", status: 204 });
  });

  it("sends requests without Authorization to the first tenant and refuses unknown tokens with 401", async () => {
    const tenant = await startTenant({ seed: twoTenants() });
    await graph(tenant, `/groups/${GROUP_ID}`);
    expect(tenant.requestLog.at(-1)?.tenantId).toBe(TENANT_A);
    const refused = await graph(tenant, `/groups/${GROUP_ID}`, { headers: { Authorization: "Bearer somebody-else" } });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("InvalidAuthenticationToken");
    expect(refused.headers.get("x-ms-resource-unit")).toBe("0");
    const otherTenantsUrl = await fetch(`${tenant.graphBaseUrlFor(TENANT_B)}/v1.0/groups/${GROUP_ID}`, {
      headers: { Authorization: `Bearer ${simulatorToken(TENANT_A)}` },
    });
    expect(otherTenantsUrl.status).toBe(401);
  });
});

describe("simulated tenant: faults and listeners", () => {
  it("fails the next matching requests with a status and Retry-After, then recovers", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const fault = tenant.faults.add({ service: "graph", method: "GET", path: /^\/groups\//, status: 503, times: 2, retryAfterSeconds: 7 });
    const first = await graph(tenant, `/groups/${GROUP_ID}`);
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("7");
    expect((await graph(tenant, `/groups/${GROUP_ID}`)).status).toBe(503);
    expect((await graph(tenant, `/groups/${GROUP_ID}`)).status).toBe(200);
    expect(fault.hits).toBe(2);
  });

  it("can target $batch sub-requests only, leaving the batch itself 200", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    tenant.faults.add({ service: "graph", status: 429, insideBatch: true, retryAfterSeconds: 3 });
    expect((await graph(tenant, `/groups/${GROUP_ID}`)).status).toBe(200);
    const batch = await graphJson(tenant, "POST", "/$batch", { requests: [{ id: "1", method: "GET", url: `/groups/${GROUP_ID}` }] });
    expect(batch.status).toBe(200);
    expect(batch.body.responses[0]).toMatchObject({ status: 429, headers: { "Retry-After": "3" } });
  });

  it("reaches the $batch envelope only through a fault whose path matches /$batch", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const steps = { requests: [{ id: "1", method: "GET", url: `/groups/${GROUP_ID}` }] };
    const everything = tenant.faults.add({ service: "graph", status: 500, times: 1 });
    const first = await graphJson(tenant, "POST", "/$batch", steps);
    expect(first.status).toBe(200);
    expect(first.body.responses[0].status).toBe(500);
    expect(everything.hits).toBe(1);
    tenant.faults.add({ service: "graph", path: /\$batch/, status: 503, retryAfterSeconds: 4, times: 1 });
    const envelope = await graphJson(tenant, "POST", "/$batch", steps);
    expect(envelope.status).toBe(503);
    expect(envelope.headers.get("retry-after")).toBe("4");
    expect(tenant.requestLog.at(-1)).toMatchObject({ kind: "batch", status: 503 });
  });

  it("applies rate faults reproducibly from the seeded PRNG", async () => {
    const outcomes: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const tenant = await startTenant({ seed: smallSeed(), randomSeed: 7 });
      tenant.faults.add({ service: "graph", status: 500, rate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await graph(tenant, `/groups/${GROUP_ID}`)).status);
      outcomes.push(statuses);
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(new Set(outcomes[0])).toEqual(new Set([200, 500]));
  });

  it("removes a fault by its handle and all faults with clear()", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const handle = tenant.faults.add({ service: "graph", status: 500 });
    handle.remove();
    expect((await graph(tenant, `/groups/${GROUP_ID}`)).status).toBe(200);
    tenant.faults.add({ service: "graph", status: 500 });
    tenant.faults.clear();
    expect((await graph(tenant, `/groups/${GROUP_ID}`)).status).toBe(200);
  });

  it("lets a test change the tenant between a client's read and its write", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 3 }) });
    tenant.onRequest((event) => {
      if (event.method === "PATCH") tenant.addMemberByHand(GROUP_ID, deviceObjectId(2));
    });
    const answer = await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, { "members@odata.bind": [bind(deviceObjectId(1)), bind(deviceObjectId(2))] });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain("already exist");
  });

  it("turns a group dynamic mid-run, after which writes are refused", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    tenant.updateGroup(GROUP_ID, { groupTypes: ["DynamicMembership"], membershipRule: '(device.deviceOSType -eq "Windows")' });
    const answer = await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, { "members@odata.bind": [bind(deviceObjectId(1))] });
    expect(answer.status).toBe(403);
    expect((await graph(tenant, `/groups/${GROUP_ID}?$select=groupTypes`)).body.groupTypes).toEqual(["DynamicMembership"]);
  });

  it("resets counters without losing the log", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    await graph(tenant, `/groups/${GROUP_ID}`);
    tenant.resetCounters();
    expect(tenant.counters).toEqual({ graphHttpRequests: 0, graphReads: 0, graphWrites: 0, adminServiceRequests: 0, throttled: 0 });
    expect(tenant.requestLog.length).toBeGreaterThan(0);
  });
});

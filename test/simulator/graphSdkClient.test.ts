import { BatchRequestContent, BatchResponseContent, Client, GraphError } from "@microsoft/microsoft-graph-client";
import { describe, expect, it } from "vitest";
import { simulatorToken, type SimulatedTenant } from "../../simulator/index.js";
import { bind, deviceObjectId, GROUP_ID, smallSeed, startTenant, TENANT_A, TENANT_B } from "./fixtures.js";

function sdkClient(baseUrl: string, tenantId: string): Client {
  return Client.initWithMiddleware({
    authProvider: { getAccessToken: async () => simulatorToken(tenantId) },
    baseUrl,
    defaultVersion: "v1.0",
    customHosts: new Set(["127.0.0.1"]),
  });
}

async function twoTenants(members: number): Promise<SimulatedTenant> {
  const ids = Array.from({ length: members }, (_, i) => deviceObjectId(i));
  const a = smallSeed({ tenantId: TENANT_A });
  const b = smallSeed({ tenantId: TENANT_B, devices: Math.max(members, 2), groupMembers: ids });
  return startTenant({ seed: { tenants: [...a.tenants, ...b.tenants] } });
}

const patchRequest = (url: string, member: string) =>
  new Request(url, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ "members@odata.bind": [bind(member)] }) });

describe("simulated Graph through the real @microsoft/microsoft-graph-client", () => {
  it("selects the tenant by base URL, because the SDK drops the token on http:// URLs", async () => {
    const tenant = await twoTenants(3);
    await sdkClient(tenant.graphBaseUrl, TENANT_B).api(`/groups/${GROUP_ID}`).get();
    // No Authorization arrived, so the request went to the first tenant.
    expect(tenant.requestLog.at(-1)?.tenantId).toBe(TENANT_A);
    const page = await sdkClient(tenant.graphBaseUrlFor(TENANT_B), TENANT_B)
      .api(`/groups/${GROUP_ID}/members/microsoft.graph.device`)
      .select("id")
      .top(999)
      .get();
    expect(page.value).toHaveLength(3);
    expect(tenant.requestLog.at(-1)?.tenantId).toBe(TENANT_B);
  });

  it("pages 2,500 members when nextLinks are followed relative to the base URL (the SDK mangles http:// links)", async () => {
    const tenant = await twoTenants(2500);
    const base = tenant.graphBaseUrlFor(TENANT_B);
    const client = sdkClient(base, TENANT_B);
    const prefix = `${base}/v1.0`;
    const ids: string[] = [];
    let page = await client.api(`/groups/${GROUP_ID}/members/microsoft.graph.device`).select("id").top(999).get();
    for (;;) {
      ids.push(...(page.value as { id: string }[]).map((m) => m.id));
      const next = page["@odata.nextLink"] as string | undefined;
      if (!next) break;
      expect(next.startsWith(prefix)).toBe(true);
      page = await client.api(next.slice(prefix.length)).get();
    }
    expect(new Set(ids).size).toBe(2500);
  });

  it("surfaces Graph's error code and status as a GraphError", async () => {
    const tenant = await twoTenants(1);
    const failure = await sdkClient(tenant.graphBaseUrl, TENANT_A)
      .api(`/groups/${GROUP_ID}/members/microsoft.graph.device`)
      .top(1000)
      .get()
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GraphError);
    expect(failure).toMatchObject({ statusCode: 400, code: "Request_BadRequest" });
  });

  it("runs a BatchRequestContent whose step URLs leave out the version, and refuses '/v1.0/…' step URLs as Graph does", async () => {
    const tenant = await twoTenants(0);
    const client = sdkClient(tenant.graphBaseUrl, TENANT_A);
    // SDK 3.0.7 keeps the version in step URLs taken from full URLs; Graph answers "segment 'v1.0'" (see docs).
    const withVersion = await new BatchRequestContent([
      { id: "1", request: patchRequest(`${tenant.graphBaseUrl}/v1.0/groups/${GROUP_ID}`, deviceObjectId(0)) },
    ]).getContent();
    const refused = new BatchResponseContent(await client.api("/$batch").post(withVersion)).getResponseById("1");
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe("Resource not found for the segment 'v1.0'.");

    const steps = [0, 1].map((i) => ({ id: String(i + 1), request: patchRequest(`${tenant.graphBaseUrl}/groups/${GROUP_ID}`, deviceObjectId(i)) }));
    const raw = await client.api("/$batch").post(await new BatchRequestContent(steps).getContent());
    const responses = new BatchResponseContent(raw).getResponses();
    expect(responses.get("1")?.status).toBe(204);
    expect(responses.get("2")?.status).toBe(204);
    expect(new Set(tenant.groupMemberIds(GROUP_ID, TENANT_A))).toEqual(new Set([deviceObjectId(0), deviceObjectId(1)]));
  });
});

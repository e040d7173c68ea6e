import { describe, expect, it } from "vitest";
import { minimalWriteTimeMs } from "../../simulator/index.js";
import { bind, deviceObjectId, graphJson, GROUP_ID, smallSeed, startTenant } from "./fixtures.js";

const patchStep = (id: string, members: string[]) => ({
  id,
  method: "PATCH",
  url: `/groups/${GROUP_ID}`,
  headers: { "Content-Type": "application/json" },
  body: { "members@odata.bind": members.map(bind) },
});

describe("simulated Graph: $batch", () => {
  it("answers each sub-request by id inside a 200, counting one HTTP request and each write", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 4, groupMembers: [deviceObjectId(3)] }) });
    const answer = await graphJson(tenant, "POST", "/$batch", {
      requests: [
        patchStep("a", [deviceObjectId(0), deviceObjectId(1)]),
        patchStep("b", [deviceObjectId(3)]),
        { id: "c", method: "GET", url: `/groups/${GROUP_ID}/members/microsoft.graph.device?$select=id` },
      ],
    });
    expect(answer.status).toBe(200);
    const byId = new Map((answer.body.responses as { id: string; status: number; body?: unknown; headers: Record<string, string> }[]).map((r) => [r.id, r]));
    expect(byId.get("a")?.status).toBe(204);
    expect(byId.get("b")?.status).toBe(400);
    expect(byId.get("c")?.status).toBe(200);
    expect(byId.get("c")?.headers["x-ms-resource-unit"]).toBeDefined();
    expect(tenant.counters).toMatchObject({ graphHttpRequests: 1, graphWrites: 2, graphReads: 1 });
    expect(tenant.requestLog.filter((e) => e.inBatch)).toHaveLength(3);
  });

  it("refuses 21 requests", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 21 }) });
    const requests = Array.from({ length: 21 }, (_, i) => patchStep(String(i), [deviceObjectId(i)]));
    const answer = await graphJson(tenant, "POST", "/$batch", { requests });
    expect(answer.status).toBe(400);
    expect(tenant.groupMemberIds(GROUP_ID)).toEqual([]);
  });

  it("runs dependsOn in order and fails dependants of a failed step with 424", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 3 }) });
    const answer = await graphJson(tenant, "POST", "/$batch", {
      requests: [
        { ...patchStep("2", [deviceObjectId(0)]), dependsOn: ["1"] },
        patchStep("1", [deviceObjectId(0)]),
        { ...patchStep("3", [deviceObjectId(1)]), dependsOn: ["2"] },
      ],
    });
    const status = Object.fromEntries((answer.body.responses as { id: string; status: number }[]).map((r) => [r.id, r.status]));
    expect(status).toEqual({ "1": 204, "2": 400, "3": 424 });
  });

  it("does not keep the request order in its answer", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const requests = Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: "GET", url: `/groups/${GROUP_ID}?$select=id` }));
    const orders = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const answer = await graphJson(tenant, "POST", "/$batch", { requests });
      orders.add((answer.body.responses as { id: string }[]).map((r) => r.id).join(","));
    }
    expect([...orders].some((o) => o !== requests.map((r) => r.id).join(","))).toBe(true);
  });

  it("needs a Content-Type on sub-requests that carry a body", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const step = { id: "1", method: "PATCH", url: `/groups/${GROUP_ID}`, body: { "members@odata.bind": [bind(deviceObjectId(0))] } };
    const answer = await graphJson(tenant, "POST", "/$batch", { requests: [step] });
    expect(answer.body.responses[0].status).toBe(400);
  });
});

describe("simulated Graph: throttling", () => {
  it("throttles a sub-request with 429 and Retry-After inside a 200 batch once the write budget is spent", async () => {
    let clock = 1_000_000;
    // scale 0.001: 3 writes per 2.5 min per app+tenant.
    const tenant = await startTenant({ seed: smallSeed({ devices: 5 }), throttle: { scale: 0.001 }, now: () => clock });
    const requests = [0, 1, 2, 3, 4].map((i) => patchStep(String(i), [deviceObjectId(i)]));
    const answer = await graphJson(tenant, "POST", "/$batch", { requests });
    expect(answer.status).toBe(200);
    const responses = answer.body.responses as { id: string; status: number; headers: Record<string, string>; body: { error: { code: string } } }[];
    const throttled = responses.filter((r) => r.status === 429);
    expect(responses.filter((r) => r.status === 204)).toHaveLength(3);
    expect(throttled).toHaveLength(2);
    // 1 write refills every 50 s at this scale.
    expect(throttled[0]?.headers["Retry-After"]).toBe("50");
    expect(throttled[0]?.headers["x-ms-throttle-information"]).toBe("WriteLimitExceeded");
    expect(throttled[0]?.headers["x-ms-throttle-scope"]).toContain(tenant.tenantIds[0]);
    expect(throttled[0]?.body.error.code).toBe("TooManyRequests");
    expect(tenant.counters.throttled).toBe(2);

    clock += 50_000;
    const retry = await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, {
      "members@odata.bind": [bind(deviceObjectId(throttled[0] ? Number(throttled[0].id) : 0))],
    });
    expect(retry.status).toBe(204);
  });

  it("throttles reads by resource units: an expensive read is refused while a cheaper write still fits", async () => {
    const clock = 5_000;
    // small tenant, scale 0.001: 3.5 RU per 10 s (0.35 RU/s); a member page with $select costs 2 RU.
    const tenant = await startTenant({ seed: smallSeed(), throttle: { scale: 0.001 }, now: () => clock });
    const read = () => fetch(`${tenant.graphBaseUrl}/v1.0/groups/${GROUP_ID}/members?$select=id`);
    expect((await read()).status).toBe(200);
    const second = await read();
    expect(second.status).toBe(429);
    // 1.5 RU left, 0.5 missing at 0.35 RU/s → 1.43 s → Retry-After 2 (whole seconds, rounded up).
    expect(second.headers.get("retry-after")).toBe("2");
    expect(second.headers.get("x-ms-throttle-information")).toBe("ResourceUnitLimitExceeded");
    const write = await graphJson(tenant, "PATCH", `/groups/${GROUP_ID}`, { "members@odata.bind": [bind(deviceObjectId(0))] });
    expect(write.status).toBe(204);
  });

  it("can grant the app less than the documented write budget (other apps spend the tenant's), answering 429 with Retry-After past it", async () => {
    let clock = 2_000_000;
    // 5 writes per second, a burst of 3: what other apps left this one; Graph does not say so up front.
    const tenant = await startTenant({ seed: smallSeed({ devices: 6 }), throttle: { scale: 1, grantedWrites: { perSecond: 5, burst: 3 } }, now: () => clock });
    const requests = [0, 1, 2, 3, 4].map((i) => patchStep(String(i), [deviceObjectId(i)]));
    const answer = await graphJson(tenant, "POST", "/$batch", { requests });
    const responses = answer.body.responses as { status: number; headers: Record<string, string> }[];
    expect(responses.filter((r) => r.status === 204)).toHaveLength(3);
    const throttled = responses.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(2);
    expect(throttled[0]?.headers["Retry-After"]).toBe("1");
    expect(throttled[0]?.headers["x-ms-throttle-information"]).toBe("WriteLimitExceeded");
    // 3 up front, then 5 per second: 13 writes take 2 s at the least.
    expect(tenant.minimalWriteTimeMs(13)).toBe(2_000);

    clock += 1_000;
    const again = await graphJson(tenant, "POST", "/$batch", { requests: [5, 3, 4].map((i) => patchStep(String(i), [deviceObjectId(i)])) });
    expect((again.body.responses as { status: number }[]).every((r) => r.status === 204)).toBe(true);

    // The documented budget again, buckets full.
    tenant.grantWrites(null);
    expect(tenant.minimalWriteTimeMs(13)).toBe(0);
  });

  it("computes the least time the write budget allows", () => {
    expect(minimalWriteTimeMs(3_000)).toBe(0);
    // 3,000 up front, then 20 writes/s: 6,000 more take 300 s.
    expect(minimalWriteTimeMs(9_000)).toBe(300_000);
    expect(minimalWriteTimeMs(90, { scale: 0.01 })).toBe(300_000);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { createAdminServiceSourceProvider } from "../../shared/configmgr/adminServiceSource.js";
import type { IdentityRefreshPolicy } from "../../shared/configmgr/identityRefresh.js";
import { startSimulatedTenant, type SimulatedTenant, type SimulatorSeed } from "../../simulator/index.js";
import { freshStores } from "../storage/freshStores.js";

const HOUR = 60 * 60 * 1000;
const T0 = Date.parse("2026-03-01T08:00:00.000Z");
const DEVICE_ID = (n: number) => `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, "0")}`;
const REFRESH: IdentityRefreshPolicy = { withEntraIdMs: 24 * HOUR, withoutEntraIdMs: HOUR };

/** Thirty scattered systems; the first three have no Entra device id yet. */
const systems = Array.from({ length: 30 }, (_, i) => ({ ResourceId: 16777216 + i * 5, Name: `PC-${i + 1}`, AADDeviceID: i < 3 ? null : DEVICE_ID(i + 1) }));
const seed: SimulatorSeed = {
  tenants: [{ tenantId: "11111111-1111-4111-8111-111111111111" }],
  configMgr: {
    collections: [{ CollectionID: "PS100001", Name: "Devices", CollectionType: 2, members: systems.map((s) => s.ResourceId) }],
    systems,
    users: [{ ResourceId: 2063597569, Name: "CONTOSO\\anne", UserPrincipalName: "anne@contoso.com", AADUserID: null }],
  },
};

let tenant: SimulatedTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

async function setUp() {
  let now = T0;
  tenant = await startSimulatedTenant({ seed });
  const { sourceIdentities } = freshStores();
  const provider = createAdminServiceSourceProvider({
    baseUrl: tenant.adminServiceUrl,
    identityCache: sourceIdentities,
    identityRefresh: REFRESH,
    now: () => now,
  });
  const sim = tenant;
  return {
    tenant: sim,
    advance: (ms: number) => {
      now += ms;
    },
    /** One sync's read; answers the devices and the ResourceIDs its SMS_R_System requests asked for. */
    async read() {
      const before = sim.requestLog.length;
      const source = provider.open();
      await source.getCollection("PS100001");
      const devices = await source.readDeviceMembers("PS100001");
      const asked = sim.requestLog
        .slice(before)
        .filter((e) => e.path.includes("SMS_R_System"))
        .flatMap((e) => [...(new URL(e.path, "http://x").searchParams.get("$filter") ?? "").matchAll(/ResourceID eq (\d+)/g)].map((m) => Number(m[1])));
      return { devices, asked: asked.sort((a, b) => a - b), requests: source.requestCount() };
    },
  };
}

describe("source identity cache", () => {
  it("looks up only the members not seen before when a collection changes", async () => {
    const world = await setUp();
    expect((await world.read()).asked).toEqual(systems.map((s) => s.ResourceId));
    const joined = [16777900, 16777950];
    for (const id of joined) world.tenant.addSystem({ ResourceId: id, Name: `NEW-${id}`, AADDeviceID: DEVICE_ID(id) });
    world.tenant.setCollectionMembers("PS100001", [...systems.map((s) => s.ResourceId), ...joined]);
    world.advance(5 * 60_000);
    const second = await world.read();
    expect(second.asked).toEqual(joined);
    expect(second.devices).toHaveLength(32);
    expect(second.devices.find((d) => d.resourceId === 16777950)).toEqual({ resourceId: 16777950, name: "NEW-16777950", entraDeviceId: DEVICE_ID(16777950) });
    // The collection read, its one membership window, one lookup.
    expect(second.requests).toBe(3);
  });

  it("re-checks members without an Entra id within the recheck interval, long before the others", async () => {
    const world = await setUp();
    await world.read();
    world.tenant.updateSystem(16777216, { AADDeviceID: DEVICE_ID(1) });
    world.advance(HOUR / 2 - 60_000);
    const early = await world.read();
    expect(early.asked).toEqual([]);
    expect(early.devices[0]?.entraDeviceId).toBeNull();
    world.advance(HOUR / 2 + 60_000);
    const due = await world.read();
    expect(due.asked).toEqual([16777216, 16777221, 16777226]);
    expect(due.devices[0]?.entraDeviceId).toBe(DEVICE_ID(1));
  });

  it("refreshes members with an Entra id within the refresh interval, spread over its second half", async () => {
    const world = await setUp();
    await world.read();
    world.tenant.updateSystem(16777361, { AADDeviceID: DEVICE_ID(999) });
    world.advance(12 * HOUR - 60_000);
    const withIds = systems.slice(3).map((s) => s.ResourceId);
    expect((await world.read()).asked.filter((id) => withIds.includes(id))).toEqual([]);
    world.advance(6 * HOUR);
    const partly = (await world.read()).asked.filter((id) => withIds.includes(id));
    expect(partly.length).toBeGreaterThan(0);
    expect(partly.length).toBeLessThan(withIds.length);
    world.advance(6 * HOUR);
    const last = await world.read();
    // Within 24 h every identity has been looked at again: the changed Entra id shows.
    expect(last.devices.find((d) => d.resourceId === 16777361)?.entraDeviceId).toBe(DEVICE_ID(999));
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { createAdminServiceCatalog } from "../../shared/configmgr/adminServiceCatalog.js";
import { STRICT_ADMINSERVICE } from "../../simulator/adminService/profile.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { apiSeed, COLLECTIONS } from "../api/apiSeed.js";

const tenants: SimulatedTenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((tenant) => tenant.close()));
});

async function siteWhere(contains: "answer" | "refuse") {
  const tenant = await startSimulatedTenant({ seed: apiSeed(), adminService: { ...STRICT_ADMINSERVICE, contains } });
  tenants.push(tenant);
  const containsRequests = () =>
    tenant.requestLog.filter((entry) => entry.service === "adminService" && /contains/.test(decodeURIComponent(entry.path))).length;
  return { catalog: createAdminServiceCatalog({ baseUrl: tenant.adminServiceUrl }), containsRequests };
}

describe("collection search over the AdminService (adminservice mode)", () => {
  it("asks the AdminService for names containing the text", async () => {
    const { catalog, containsRequests } = await siteWhere("answer");
    expect((await catalog.search("pilot w", 25)).map((c) => c.id)).toEqual([COLLECTIONS.devices]);
    expect(containsRequests()).toBe(1);
  });

  it("still finds names containing the text on a site that refuses contains() (400): it lists and filters itself, and stops asking", async () => {
    const { catalog, containsRequests } = await siteWhere("refuse");
    expect((await catalog.search("pilot w", 25)).map((c) => c.id)).toEqual([COLLECTIONS.devices]);
    expect((await catalog.search("USERS", 25)).map((c) => c.name)).toContain("Pilot Users");
    expect(containsRequests()).toBe(1);
  });

  it("lists every device and user collection, with counts and change times, for the collector's catalog", async () => {
    const { catalog } = await siteWhere("refuse");
    const all = await catalog.listAll();
    expect(all.map((c) => c.id)).toEqual(expect.arrayContaining([COLLECTIONS.devices, COLLECTIONS.users]));
    expect(all.map((c) => c.id)).not.toContain(COLLECTIONS.other);
    expect(all.find((c) => c.id === COLLECTIONS.devices)).toMatchObject({ type: "device", memberCount: 2 });
  });
});

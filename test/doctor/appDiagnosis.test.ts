import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEVICE_COLLECTION, GROUP_ID, USER_COLLECTION, USER_GROUP_ID } from "../support/fixtures.js";
import { newMapping } from "../support/newMapping.js";
import { ALL_ROLES, appToken, check, failures, namedAppAuth, startDoctorWorld, tokenWithClaims, type DoctorWorld } from "./doctorWorld.js";

let world: DoctorWorld;
beforeEach(async () => {
  world = await startDoctorWorld();
});
afterEach(async () => {
  await world.close();
});

const DEVICE_GROUP_CHECK = `Group ${GROUP_ID} ← ${DEVICE_COLLECTION}`;
const NO_AAD_DEVICE_ID = "The query specified in the URI is not valid. Could not find a property named 'AADDeviceID' on type 'AdminService.SMS_R_System'.";

describe("collection-sync doctor (the app)", () => {
  it("passes every check when each dependency answers and the token carries the documented roles", async () => {
    const diagnosis = await world.diagnose({ graphToken: appToken(ALL_ROLES) });

    expect(failures(diagnosis)).toEqual([]);
    expect(diagnosis.ok).toBe(true);
    expect(diagnosis.checks.map((c) => [c.name, c.status])).toEqual([
      ["Table Storage", "ok"],
      ["Job queue", "ok"],
      ["Dead-lettered jobs", "ok"],
      ["AdminService reachable", "ok"],
      ["AdminService sign-in", "na"],
      ["SMS_Collection readable", "ok"],
      ["SMS_R_System carries AADDeviceID", "ok"],
      [`Collection ${DEVICE_COLLECTION}`, "ok"],
      [`Collection ${USER_COLLECTION}`, "ok"],
      ["Graph token", "ok"],
      ["Graph app roles", "ok"],
      [DEVICE_GROUP_CHECK, "ok"],
      [`Group ${USER_GROUP_ID} ← ${USER_COLLECTION}`, "ok"],
    ]);
    expect(check(diagnosis, "Graph token").detail).toContain("collection-sync-prod");
    expect(check(diagnosis, "Graph app roles").detail).toContain("GroupMember.ReadWrite.All, Device.ReadWrite.All, User.Read.All");
    expect(check(diagnosis, `Collection ${DEVICE_COLLECTION}`).detail).toBe('"Autopilot devices": device collection, 3 members');
    expect(check(diagnosis, DEVICE_GROUP_CHECK).detail).toContain('"Autopilot Devices"');
  });

  it("says honestly that the loopback simulator gives no token to check, rather than passing the roles", async () => {
    const diagnosis = await world.diagnose({ graphToken: null });

    expect(diagnosis.ok).toBe(true);
    expect(check(diagnosis, "Graph token")).toMatchObject({ status: "na", detail: expect.stringContaining("issues no tokens") });
    expect(check(diagnosis, "Graph app roles").status).toBe("na");
    expect(check(diagnosis, DEVICE_GROUP_CHECK).status).toBe("ok");
  });

  it("names the missing app role and explains that Device.Read.All is not enough to add devices", async () => {
    const diagnosis = await world.diagnose({ graphToken: appToken(["GroupMember.ReadWrite.All", "Device.Read.All"]) });

    expect(diagnosis.ok).toBe(false);
    expect(failures(diagnosis)).toEqual(["Graph app roles"]);
    const roles = check(diagnosis, "Graph app roles");
    expect(roles.detail).toMatch(
      /^missing Device\.ReadWrite\.All, User\.Read\.All \(needed for 1 device and 1 user mapping; the token has: Device\.Read\.All, GroupMember\.ReadWrite\.All\)$/,
    );
    expect(roles.fix).toContain("grant-graph-permissions");
    expect(roles.fix).toContain("Device.Read.All is not enough");
  });

  it("asks only for the roles the mappings need", async () => {
    await world.stores.mappings.delete({ collectionId: USER_COLLECTION, groupId: USER_GROUP_ID });
    const diagnosis = await world.diagnose({ graphToken: appToken(["GroupMember.ReadWrite.All", "Device.ReadWrite.All"]) });

    expect(check(diagnosis, "Graph app roles")).toMatchObject({
      status: "ok",
      detail: "GroupMember.ReadWrite.All, Device.ReadWrite.All (needed for 1 device and 0 user mappings)",
    });
  });

  it("flags roles broader than the product needs", async () => {
    const diagnosis = await world.diagnose({ graphToken: appToken([...ALL_ROLES, "Directory.ReadWrite.All"]) });

    expect(check(diagnosis, "Graph app roles").status).toBe("ok");
    expect(check(diagnosis, "Graph least privilege")).toMatchObject({ status: "fail", detail: "the token also carries Directory.ReadWrite.All" });
  });

  it("does not judge a developer's delegated token by app roles", async () => {
    const diagnosis = await world.diagnose({ graphToken: tokenWithClaims({ scp: "GroupMember.ReadWrite.All User.Read", upn: "admin@contoso.com" }) });

    expect(check(diagnosis, "Graph token").detail).toContain("admin@contoso.com");
    expect(check(diagnosis, "Graph app roles")).toMatchObject({ status: "na", detail: expect.stringContaining("delegated token of admin@contoso.com") });
  });

  it("reports a token that cannot be had, with what to do", async () => {
    const broken = { getToken: async () => Promise.reject(new Error("ManagedIdentityCredential: no managed identity endpoint found")) };
    const diagnosis = await world.diagnose({ graphToken: broken });

    expect(check(diagnosis, "Graph token")).toMatchObject({ status: "fail", detail: expect.stringContaining("no managed identity endpoint found") });
    expect(check(diagnosis, "Graph token").fix).toContain("az login");
    expect(check(diagnosis, DEVICE_GROUP_CHECK)).toMatchObject({ status: "na", detail: "not checked: no Graph token for this tenant" });
  });

  it("fails a mapped group that was made dynamic in Entra, with the fix", async () => {
    world.tenant.updateGroup(GROUP_ID, { groupTypes: ["DynamicMembership"], membershipRule: '(device.deviceOSType -eq "Windows")' });

    const diagnosis = await world.diagnose({ graphToken: appToken(ALL_ROLES) });

    expect(failures(diagnosis)).toEqual([DEVICE_GROUP_CHECK]);
    const group = check(diagnosis, DEVICE_GROUP_CHECK);
    expect(group.detail).toContain("dynamic membership");
    expect(group.fix).toContain("Assigned");
  });

  it("fails a mapped group that was deleted", async () => {
    world.tenant.deleteGroup(GROUP_ID);

    const diagnosis = await world.diagnose();

    expect(check(diagnosis, DEVICE_GROUP_CHECK)).toMatchObject({ status: "fail", detail: expect.stringContaining("does not exist") });
    expect(check(diagnosis, DEVICE_GROUP_CHECK).fix).toContain("restore");
  });

  it("reports an AdminService 403 with the identity, the auth mode and what ConfigMgr needs", async () => {
    world.tenant.faults.add({ service: "adminService", status: 403 });

    const diagnosis = await world.diagnose({ adminServiceAuth: namedAppAuth() });

    expect(check(diagnosis, "AdminService reachable")).toMatchObject({ status: "ok", detail: expect.stringContaining("answered HTTP 403") });
    const signIn = check(diagnosis, "AdminService sign-in");
    expect(signIn).toMatchObject({
      status: "fail",
      detail: "the AdminService answered 403 to the app's managed identity 6b0e3c41 (app-only token) (ADMINSERVICE_AUTH=entra-app)",
    });
    expect(signIn.fix).toContain("Read-only Analyst");
    expect(signIn.fix).toContain("not a documented way in");
    expect(check(diagnosis, `Collection ${DEVICE_COLLECTION}`)).toMatchObject({ status: "na", detail: "not checked: the AdminService refused the sign-in" });
    expect(diagnosis.ok).toBe(false);
  });

  it("names the identity the AdminService accepted", async () => {
    const diagnosis = await world.diagnose({ adminServiceAuth: namedAppAuth() });

    expect(check(diagnosis, "AdminService sign-in")).toMatchObject({
      status: "ok",
      detail: "accepted the app's managed identity 6b0e3c41 (app-only token) (ADMINSERVICE_AUTH=entra-app)",
    });
  });

  it("fails when the site's SMS_R_System has no AADDeviceID (a 400 naming it)", async () => {
    world.tenant.faults.add({
      service: "adminService",
      path: /SMS_R_System.*AADDeviceID/,
      status: 400,
      body: { error: { code: "BadRequest", message: NO_AAD_DEVICE_ID, details: [] } },
    });

    const diagnosis = await world.diagnose();

    expect(failures(diagnosis)).toEqual(["SMS_R_System carries AADDeviceID"]);
    const aad = check(diagnosis, "SMS_R_System carries AADDeviceID");
    expect(aad.detail).toContain("has no AADDeviceID property");
    expect(aad.fix).toContain("Cloud Management");
  });

  it("fails when SMS_R_System records come back without AADDeviceID, in any property casing", async () => {
    world.tenant.faults.add({
      service: "adminService",
      path: /SMS_R_System/,
      status: 200,
      body: { "@odata.context": "x", value: [{ resourceid: 16777001, name: "PC-00001" }] },
    });
    const without = await world.diagnose();
    expect(check(without, "SMS_R_System carries AADDeviceID")).toMatchObject({
      status: "fail",
      detail: "the AdminService answered SMS_R_System records without AADDeviceID",
    });

    world.tenant.faults.clear();
    world.tenant.faults.add({ service: "adminService", path: /SMS_R_System/, status: 200, body: { ResourceId: 16777001, aaddeviceid: null } });
    const bare = await world.diagnose();
    expect(check(bare, "SMS_R_System carries AADDeviceID")).toMatchObject({ status: "ok", detail: expect.stringContaining("not Entra-joined") });
  });

  it("fails a mapped collection that no longer exists", async () => {
    const now = new Date().toISOString();
    await world.stores.mappings.create(newMapping({ collectionId: "PS1000FF", groupId: GROUP_ID, createdAt: now, updatedAt: now }));

    const diagnosis = await world.diagnose();

    expect(check(diagnosis, "Collection PS1000FF")).toMatchObject({ status: "fail", detail: "not found in ConfigMgr" });
    expect(check(diagnosis, "Collection PS1000FF").fix).toContain("security scopes");
  });

  it("tells an AdminService nobody answers at from one that refuses, and checks nothing behind it", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });

    const diagnosis = await world.diagnose({ adminServiceUrl: `http://127.0.0.1:${closedPort}/AdminService` });

    const reachable = check(diagnosis, "AdminService reachable");
    expect(reachable).toMatchObject({ status: "fail", detail: `127.0.0.1:${closedPort}: connection refused or unreachable (ECONNREFUSED)` });
    expect(reachable.fix).toContain("firewall");
    expect(check(diagnosis, "SMS_Collection readable")).toMatchObject({ status: "na", detail: "not checked: the AdminService cannot be reached" });
  });
});

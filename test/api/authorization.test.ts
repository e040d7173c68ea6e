import { describe, expect, it } from "vitest";
import { parseClientPrincipal } from "../../shared/api/auth.js";
import { PROBLEM_BASE } from "../../shared/api/problems.js";
import { createMappingsApi } from "../../shared/api/router.js";
import { ConfigError } from "../../shared/errors.js";
import { harnessPerTest } from "./apiHarness.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";
import { clientPrincipal, READER, WRITER } from "./principals.js";

const start = harnessPerTest();

const pilot = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };

describe("behind App Service Authentication (easyauth)", () => {
  it("answers 401 when the platform passed no principal, and stores nothing", async () => {
    const harness = await start({ auth: { mode: "easyauth", platformAuthEnabled: true } });
    const answer = await harness.call("POST", "/mappings", { body: pilot });
    expect(answer.status).toBe(401);
    expect(answer.body.type).toBe(`${PROBLEM_BASE}unauthorized`);
    expect(answer.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect((await harness.call("GET", "/mappings")).status).toBe(401);
    expect(await harness.storedMappings()).toEqual([]);
  });

  it("answers 401 for a principal header that is not a principal", async () => {
    const harness = await start({ auth: { mode: "easyauth", platformAuthEnabled: true } });
    for (const forged of ["not base64 at all", Buffer.from('{"claims": "admin"}').toString("base64"), Buffer.from("[]").toString("base64")]) {
      expect((await harness.call("GET", "/mappings", { headers: { "x-ms-client-principal": forged } })).status).toBe(401);
    }
  });

  it("lets a reader list and read but not create, change, delete or sync (403)", async () => {
    const harness = await start({ auth: { mode: "easyauth", platformAuthEnabled: true } });
    expect((await harness.call("POST", "/mappings", { headers: WRITER, body: pilot })).status).toBe(201);
    const path = `/mappings/${pilot.collectionId}/${pilot.groupId}`;

    expect((await harness.call("GET", "/mappings", { headers: READER })).status).toBe(200);
    expect((await harness.call("GET", path, { headers: READER })).status).toBe(200);
    expect((await harness.call("GET", `${path}/runs`, { headers: READER })).status).toBe(200);

    const create = await harness.call("POST", "/mappings", { headers: READER, body: { ...pilot, groupId: GROUPS.assigned2 } });
    expect(create.status).toBe(403);
    expect(create.body.type).toBe(`${PROBLEM_BASE}forbidden`);
    expect(create.body.detail).toMatch(/Mappings\.ReadWrite/);
    expect((await harness.call("PATCH", path, { headers: READER, body: { mode: "mirror" } })).status).toBe(403);
    expect((await harness.call("DELETE", path, { headers: READER })).status).toBe(403);
    expect((await harness.call("POST", `${path}/sync`, { headers: READER })).status).toBe(403);
    expect((await harness.call("POST", `${path}/approve`, { headers: READER })).status).toBe(403);
    expect(await harness.storedMappings()).toEqual([`${pilot.collectionId}/${pilot.groupId}`]);
    expect(harness.queue.sent).toEqual([]);
  });

  it("refuses a signed-in caller without any of the app roles, even for reads", async () => {
    const harness = await start({ auth: { mode: "easyauth", platformAuthEnabled: true } });
    const nobody = { "x-ms-client-principal": clientPrincipal("guest@contoso.com", ["Some.Other.Role"]) };
    expect((await harness.call("GET", "/mappings", { headers: nobody })).status).toBe(403);
  });

  it("records the writer's name as creator", async () => {
    const harness = await start({ auth: { mode: "easyauth", platformAuthEnabled: true } });
    const created = await harness.call("POST", "/mappings", { headers: WRITER, body: pilot });
    expect(created.body.createdBy).toBe("writer@contoso.com");
  });
});

describe("easyauth while App Service Authentication is off (WEBSITE_AUTH_ENABLED not True)", () => {
  it("gives a forged writer principal nothing: every route answers 503 with a clear problem, nothing stored or queued", async () => {
    const harness = await start({ auth: { mode: "easyauth", platformAuthEnabled: false } });
    const forgedWriter = WRITER;
    const path = `/mappings/${pilot.collectionId}/${pilot.groupId}`;
    for (const [method, target, body] of [
      ["POST", "/mappings", pilot],
      ["GET", "/mappings", undefined],
      ["GET", path, undefined],
      ["POST", `${path}/sync`, undefined],
      ["POST", `${path}/approve`, undefined],
      ["GET", "/health", undefined],
    ] as const) {
      const answer = await harness.call(method, target, { headers: forgedWriter, ...(body === undefined ? {} : { body }) });
      expect(answer.status, `${method} ${target}`).toBe(503);
      expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(answer.body.type).toBe(`${PROBLEM_BASE}authentication-not-enabled`);
      expect(answer.body.detail).toMatch(/App Service Authentication is not enabled/);
    }
    expect(await harness.storedMappings()).toEqual([]);
    expect(harness.queue.sent).toEqual([]);
    expect(harness.logs.filter((entry) => entry.level === "error" && /App Service Authentication is not enabled/.test(entry.message)).length).toBeGreaterThan(
      0,
    );
  });

  it("is off unless the platform says True, in any letter case", async () => {
    const { loadSettings } = await import("../../shared/config/settings.js");
    expect(loadSettings({}).WEBSITE_AUTH_ENABLED).toBe(false);
    expect(loadSettings({ WEBSITE_AUTH_ENABLED: "False" }).WEBSITE_AUTH_ENABLED).toBe(false);
    expect(loadSettings({ WEBSITE_AUTH_ENABLED: "True" }).WEBSITE_AUTH_ENABLED).toBe(true);
    expect(loadSettings({ WEBSITE_AUTH_ENABLED: "true" }).WEBSITE_AUTH_ENABLED).toBe(true);
    expect(loadSettings({ WEBSITE_AUTH_ENABLED: " TRUE " }).WEBSITE_AUTH_ENABLED).toBe(true);
  });
});

describe("reading the client principal", () => {
  it("takes roles from `roles` claims and from the principal's role_typ, and the name from name_typ", () => {
    const header = Buffer.from(
      JSON.stringify({
        auth_typ: "aad",
        name_typ: "name",
        role_typ: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        claims: [
          { typ: "name", val: "Alex Admin" },
          { typ: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role", val: "Mappings.Read" },
        ],
      }),
    ).toString("base64");
    const principal = parseClientPrincipal(header);
    expect(principal?.name).toBe("Alex Admin");
    expect([...(principal?.roles ?? [])]).toEqual(["Mappings.Read"]);
  });

  it("names an application caller by its app id", () => {
    const header = Buffer.from(
      JSON.stringify({
        auth_typ: "aad",
        claims: [
          { typ: "appid", val: "9b0f…" },
          { typ: "roles", val: "Mappings.ReadWrite" },
        ],
      }),
    ).toString("base64");
    const principal = parseClientPrincipal(header);
    expect(principal?.name).toBe("app:9b0f…");
    expect(principal?.roles.has("Mappings.Read")).toBe(true);
  });
});

describe("local serve with an API key", () => {
  const apiKey = "correct horse battery staple";

  it("accepts the configured key, records the caller as api-key, and refuses a wrong or missing key", async () => {
    const harness = await start({ auth: { mode: "key", apiKey } });
    const created = await harness.call("POST", "/mappings", { headers: { "x-api-key": apiKey }, body: pilot });
    expect(created.status).toBe(201);
    expect(created.body.createdBy).toBe("api-key");
    expect((await harness.call("GET", "/mappings", { headers: { "x-api-key": `${apiKey}!` } })).status).toBe(401);
    expect((await harness.call("GET", "/mappings", { headers: { "x-api-key": "short" } })).status).toBe(401);
    expect((await harness.call("GET", "/mappings")).status).toBe(401);
  });

  it("refuses to start in key mode without a key of at least 16 characters", async () => {
    const harness = await start();
    expect(() => createMappingsApi({ ...harness.deps, auth: { mode: "key" } })).toThrow(ConfigError);
    expect(() => createMappingsApi({ ...harness.deps, auth: { mode: "key", apiKey: "too-short" } })).toThrow(ConfigError);
  });
});

import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bufferIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";
import { openLocalRuntime } from "../../cli/runtime.js";
import { createMappingsApi } from "../../shared/api/router.js";
import { TOKEN_CACHE_FILE } from "../../shared/configmgr/signIn/openTokenCacheStore.js";
import { startSimulatedTenant, type SimulatedTenant, type SimulatedTenantOptions } from "../../simulator/index.js";
import { DEVICE_COLLECTION, GROUP_ID, TENANT_ID, entraDevice, guid, range, scenarioSeed } from "../support/fixtures.js";

/**
 * ADMINSERVICE_AUTH=entra-user end to end: the real MSAL library signs a ConfigMgr administrative user in over
 * HTTP against the simulated Entra token endpoint (device code, refresh token grants), and the simulated
 * AdminService demands that user's bearer token (audience, scope, signature, expiry), as behind a CMG.
 */
const ADMIN = "cmadmin@contoso.com";
const AUDIENCE = "https://ConfigMgrService";
const PUBLIC_CLIENT_ID = "5d1f4c3b-2a19-4e8f-9b7a-0c6d5e4f3a21";
const collection = range(1, 5).map((n) => entraDevice(n));

let tenant: SimulatedTenant;
let dataDir: string;
const closers: Array<() => Promise<void>> = [];

async function startTenant(entra: SimulatedTenantOptions["entra"] = {}): Promise<void> {
  tenant = await startSimulatedTenant({
    seed: scenarioSeed({ collection }),
    adminServiceBearer: { audience: AUDIENCE, administrativeUsers: [ADMIN] },
    entra: { pollIntervalSeconds: 1, ...entra },
  });
  tenant.addUser({ id: guid(7, 1), userPrincipalName: ADMIN, displayName: "ConfigMgr reader" });
  tenant.addUser({ id: guid(7, 2), userPrincipalName: "someone@contoso.com", displayName: "Not an administrative user" });
  closers.push(() => tenant.close());
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "csync-entra-user-"));
});

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  rmSync(dataDir, { recursive: true, force: true });
});

function env(): Record<string, string> {
  return {
    GRAPH_BASE_URL: tenant.graphBaseUrl,
    ADMINSERVICE_URL: tenant.adminServiceUrl,
    ADMINSERVICE_AUTH: "entra-user",
    ADMINSERVICE_SCOPE: `${AUDIENCE}/.default`,
    ADMINSERVICE_CLIENT_ID: PUBLIC_CLIENT_ID,
    ADMINSERVICE_AUTHORITY_HOST: tenant.authorityHost,
    AZURE_TENANT_ID: TENANT_ID,
  };
}

async function cli(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, { io, env: env(), dataDir });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** Runs `adminservice sign-in` and, like the user at https://microsoft.com/devicelogin, enters the code it shows. */
async function signIn(as: string | null = ADMIN) {
  const io = bufferIo();
  const running = main(["adminservice", "sign-in"], { io, env: env(), dataDir });
  let code: string | undefined;
  for (let waited = 0; code === undefined && waited < 100; waited++) {
    code = /enter the code (\w+) to authenticate/.exec(io.stdout())?.[1];
    if (code === undefined) await sleep(50);
  }
  expect(code, "the sign-in shows a device code").toBeDefined();
  tenant.completeDeviceSignIn(code ?? "", as);
  const exit = await running;
  return { code: exit, stdout: io.stdout(), stderr: io.stderr() };
}

function graphWrites(): number {
  return tenant.requestLog.filter((entry) => entry.service === "graph" && entry.method !== "GET").length;
}

function cachedRefreshTokens(): string[] {
  const cache = JSON.parse(readFileSync(join(dataDir, TOKEN_CACHE_FILE), "utf8")) as { RefreshToken: Record<string, { secret: string }> };
  return Object.values(cache.RefreshToken).map((entry) => entry.secret);
}

async function health() {
  const runtime = await openLocalRuntime({ env: env(), io: bufferIo(), dataDir });
  try {
    const answer = await createMappingsApi(runtime.services.api).handle({ method: "GET", path: "/health", query: new URLSearchParams(), headers: {} });
    return { status: answer.status, body: answer.jsonBody as { checks: Array<{ name: string; ok: boolean; detail?: string }> } };
  } finally {
    await runtime.close();
  }
}

describe("entra-user: a ConfigMgr administrative user signed in with a device code", () => {
  it("signs in once, keeps the token cache private, and syncs through the AdminService with the user's token", async () => {
    await startTenant();

    const signedIn = await signIn();
    expect(signedIn.stderr).toBe("");
    expect(signedIn.code).toBe(0);
    expect(signedIn.stdout).toContain("https://microsoft.com/devicelogin");
    expect(signedIn.stdout).toContain(`Signed in as ${ADMIN}`);
    expect(statSync(join(dataDir, TOKEN_CACHE_FILE)).mode & 0o777).toBe(0o600);

    expect((await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID)).code).toBe(0);
    const synced = await cli("sync");

    expect(synced.stdout + synced.stderr).toContain("added 5");
    expect(synced.code).toBe(0);
    expect(tenant.groupMemberIds(GROUP_ID).sort()).toEqual(collection.map((device) => device.objectId).sort());
    // The AdminService really demands the token: the same read without one is refused.
    expect((await fetch(`${tenant.adminServiceUrl}/wmi/SMS_Collection('${DEVICE_COLLECTION}')`)).status).toBe(401);
    expect((await cli("adminservice", "status")).stdout).toContain(`Signed in as ${ADMIN}`);
  });

  it("renews an expired access token silently from the refresh token and keeps the rotated refresh token", async () => {
    // MSAL renews a token with less than 5 minutes left: a 301-second token is due for renewal after 1 s.
    await startTenant({ accessTokenLifetimeSeconds: 301 });
    expect((await signIn()).code).toBe(0);
    expect((await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID)).code).toBe(0);
    const refreshTokenAfterSignIn = cachedRefreshTokens();
    await sleep(1_500);
    const refreshesBefore = tenant.entraCounters.refreshGrants;

    const synced = await cli("sync");

    expect(synced.code).toBe(0);
    expect(synced.stdout).toContain("added 5");
    expect(tenant.entraCounters.refreshGrants).toBeGreaterThan(refreshesBefore);
    expect(tenant.entraCounters.deviceCodeGrants).toBe(1);
    expect(cachedRefreshTokens()).toHaveLength(1);
    expect(cachedRefreshTokens()).not.toEqual(refreshTokenAfterSignIn);
  });

  it("fails the run with a clear message, writes nothing, and health says to sign in again when the refresh token is revoked", async () => {
    await startTenant({ accessTokenLifetimeSeconds: 301 });
    expect((await signIn()).code).toBe(0);
    expect((await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID)).code).toBe(0);
    tenant.revokeSignInSessions(ADMIN);
    await sleep(1_500);
    const before = graphWrites();

    const synced = await cli("sync");

    expect(synced.code).toBe(1);
    expect(synced.stdout).toContain(
      `The sign-in of ${ADMIN} for the AdminService expired or was revoked (AADSTS50173): run \`collection-sync adminservice sign-in\` again`,
    );
    expect(synced.stdout).toMatch(/nothing was written/);
    expect(graphWrites()).toBe(before);
    const answer = await health();
    expect(answer.status).toBe(503);
    expect(answer.body.checks.find((check) => check.name === "adminService")).toMatchObject({
      ok: false,
      detail: expect.stringContaining("run `collection-sync adminservice sign-in` again"),
    });
    expect((await cli("adminservice", "status")).code).toBe(1);

    expect((await signIn()).code).toBe(0);
    expect((await cli("sync")).code).toBe(0);
    expect(tenant.groupMemberIds(GROUP_ID)).toHaveLength(5);
  });

  it("says to sign in when nobody has, and names the user the AdminService refuses", async () => {
    await startTenant();
    const unsigned = await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain("No ConfigMgr administrative user is signed in for the AdminService");
    expect(unsigned.stderr).toContain("run `collection-sync adminservice sign-in`");

    const status = await cli("adminservice", "status");
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("Nobody is signed in");

    expect((await signIn("someone@contoso.com")).code).toBe(0);
    const refused = await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
    expect(refused.stdout + refused.stderr).toMatch(
      /The AdminService refused user someone@contoso\.com \(delegated token\) \(ADMINSERVICE_AUTH=entra-user\) with 403\. .*Read-only Analyst/,
    );
  });

  it("fails a declined sign-in clearly and keeps no token", async () => {
    await startTenant();

    const declined = await signIn(null);

    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain("the sign-in failed: authorization_declined. Run `collection-sync adminservice sign-in` to try again.");
    expect((await cli("adminservice", "status")).stdout).toContain("Nobody is signed in");
  });

  it("signs out: the refresh token is gone and runs ask for a new sign-in", async () => {
    await startTenant();
    expect((await signIn()).code).toBe(0);

    const signedOut = await cli("adminservice", "sign-out");

    expect(signedOut.stdout).toContain(`Signed out ${ADMIN}`);
    expect(signedOut.code).toBe(0);
    expect((await cli("adminservice", "status")).stdout).toContain("run `collection-sync adminservice sign-in`");
  });
});

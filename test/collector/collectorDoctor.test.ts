import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startServe, type ServeHandle } from "../../cli/commands/serveCommand.js";
import { bufferIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";
import { createAppClient, entraAuth } from "../../shared/collector/appClient.js";
import { noAdminServiceAuth } from "../../shared/configmgr/adminServiceAuth.js";
import { diagnoseCollector } from "../../shared/doctor/collectorDiagnosis.js";
import type { Diagnosis } from "../../shared/doctor/diagnosis.js";
import { silentLogger } from "../../shared/logger.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { tokenWithClaims } from "../doctor/doctorWorld.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";

const API_KEY = "collector-doctor-test-key-0123456789";
const NO_TICK = "0 0 0 1 1 *";

let tenant: SimulatedTenant;
let serve: ServeHandle;
let dataDir: string;

async function startApp(env: Record<string, string>): Promise<void> {
  serve = await startServe({
    port: 0,
    host: "127.0.0.1",
    env: { GRAPH_BASE_URL: tenant.graphBaseUrl, SYNC_SCHEDULE: NO_TICK, ...env },
    io: bufferIo(),
    log: silentLogger,
    dataDir,
  });
}

beforeEach(async () => {
  tenant = await startSimulatedTenant({ seed: scenarioSeed({ collection: range(1, 3).map((n) => entraDevice(n)) }) });
  dataDir = mkdtempSync(join(tmpdir(), "collection-sync-collector-doctor-"));
});

afterEach(async () => {
  await serve.close();
  await tenant.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function doctor(env: Record<string, string>) {
  const io = bufferIo();
  const code = await main(["doctor"], { io, env: { ADMINSERVICE_URL: tenant.adminServiceUrl, COLLECTOR_APP_URL: serve.url, ...env } });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

async function addMapping(): Promise<void> {
  const response = await fetch(`${serve.url}/api/mappings`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": API_KEY },
    body: JSON.stringify({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, memberType: "device" }),
  });
  expect(response.status).toBe(201);
}

/** The collector's checks with an Entra token built in the test (the loopback serve ignores it). */
function withToken(roles: readonly string[]): Promise<Diagnosis> {
  const appAuth = entraAuth(tokenWithClaims({ roles, appid: "0c1d2e3f-4a5b-4c6d-8e9f-a0b1c2d3e4f5", app_displayname: "CM01 (Arc)" }), "api://collection-sync");
  return diagnoseCollector({
    appUrl: serve.url,
    app: createAppClient({ baseUrl: serve.url, auth: appAuth, retries: 0 }),
    appAuth,
    adminService: { baseUrl: tenant.adminServiceUrl, auth: noAdminServiceAuth },
  });
}

describe("collection-sync doctor on a collector host", () => {
  it("checks the app, that it takes the collector's API_KEY, and the AdminService with every mapped collection; exit 0", async () => {
    await startApp({ SOURCE_MODE: "pushed", API_KEY });
    await addMapping();

    const result = await doctor({ API_KEY });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✔ App reachable: 127\.0\.0\.1:\d+ answered HTTP 401 in \d+ ms without credentials$/m);
    expect(result.stdout).toContain("– Collector token: the collector sends API_KEY (collection-sync serve) instead of a token");
    expect(result.stdout).toContain(`✔ App accepts the collector: API_KEY accepted; 1 mapped collection(s): ${DEVICE_COLLECTION}`);
    expect(result.stdout).toContain(`✔ Collection ${DEVICE_COLLECTION}: "Autopilot devices": device collection, 3 members`);
    expect(result.stdout).not.toContain("Table Storage");
    expect(result.stdout).not.toContain("Graph");
  });

  it("exits 1 when the app refuses the collector's key", async () => {
    await startApp({ SOURCE_MODE: "pushed", API_KEY });

    const result = await doctor({ API_KEY: "not-the-key-the-app-was-started-with" });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✘ App accepts the collector: the app refused the collector's credentials \(401\)\n {4}fix: API_KEY must be the same key/m);
  });

  it("exits 1 when the app does not take snapshots (SOURCE_MODE=adminservice)", async () => {
    await startApp({ ADMINSERVICE_URL: tenant.adminServiceUrl });

    const result = await doctor({});

    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✘ App accepts the collector: the app reads the AdminService itself (SOURCE_MODE=adminservice) and refuses snapshots");
  });

  it("exits 1 when nothing answers at the app's address", async () => {
    await startApp({ SOURCE_MODE: "pushed" });
    const url = serve.url;
    await serve.close();

    const io = bufferIo();
    const code = await main(["doctor", "--app", url], { io, env: { ADMINSERVICE_URL: tenant.adminServiceUrl } });
    await startApp({ SOURCE_MODE: "pushed" });

    expect(code).toBe(1);
    expect(io.stdout()).toMatch(/^✘ App reachable: 127\.0\.0\.1:\d+: ECONNREFUSED\n {4}fix: Nothing accepts connections/m);
    expect(io.stdout()).toContain("– App accepts the collector: not checked: the app cannot be reached");
    expect(io.stdout()).toContain("✔ AdminService reachable");
  });

  it("fails a collector token without the Snapshots.Write role, and passes one with it", async () => {
    await startApp({ SOURCE_MODE: "pushed" });

    const without = await withToken(["Mappings.Read"]);
    const token = without.checks.find((c) => c.name === "Collector token");
    expect(token).toMatchObject({
      status: "fail",
      detail: "the token for api://collection-sync/.default as CM01 (Arc) lacks the app role Snapshots.Write (it has: Mappings.Read)",
    });
    expect(token?.fix).toContain("Assign the app role Snapshots.Write");
    expect(without.ok).toBe(false);

    const granted = await withToken(["Snapshots.Write"]);
    expect(granted.checks.find((c) => c.name === "Collector token")).toMatchObject({
      status: "ok",
      detail: "a token for api://collection-sync/.default as CM01 (Arc) carrying Snapshots.Write",
    });
    expect(granted.ok).toBe(true);
  });
});

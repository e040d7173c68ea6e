import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ServeHandle } from "../../cli/commands/serveCommand.js";
import { bufferIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";
import type { SimulatedTenant } from "../../simulator/index.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range } from "../support/fixtures.js";
import { groupBecomes } from "../support/groupPolling.js";
import { startPushedServe } from "../support/pushedServe.js";
import type { KerberosBed } from "./support/kerberosBed.js";
import { startKerberosWorld, type KerberosWorld } from "./support/kerberosWorld.js";

let world: KerberosWorld;
let tenant: SimulatedTenant;
let bed: KerberosBed;
let serve: ServeHandle;
let dataDir: string;
const collection = range(1, 6).map((n) => entraDevice(n));

beforeAll(async () => {
  world = await startKerberosWorld(collection);
  ({ tenant, bed } = world);
});

afterAll(async () => {
  await world?.stop();
});

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "csync-kerberos-collector-"));
  // The app in pushed mode: it never calls the AdminService; only the collector does, through Apache.
  serve = await startPushedServe(tenant, join(dataDir, "app"));
  const created = await fetch(`${serve.url}/api/mappings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" }),
  });
  expect(created.status).toBe(201);
});

afterEach(async () => {
  await serve?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `collection-sync collect --once` on the collector's host, signing in to the AdminService with `keytab`. */
async function collectOnce(keytab: string) {
  const io = bufferIo();
  const env = { ADMINSERVICE_URL: `${bed.url}/AdminService`, ADMINSERVICE_AUTH: "negotiate", ADMINSERVICE_KEYTAB: keytab };
  const code = await main(["collect", "--app", serve.url, "--once"], { io, env, dataDir: join(dataDir, "collector") });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

async function currentSnapshot(): Promise<{ members: number; collector: string } | null> {
  const mapped = (await (await fetch(`${serve.url}/api/collections/mapped`)).json()) as {
    items: { snapshot: { members: number; collector: string } | null }[];
  };
  return mapped.items[0]?.snapshot ?? null;
}

describe("the collector reading the AdminService behind Windows authentication (Negotiate / Kerberos)", () => {
  it("reads through Apache mod_auth_gssapi with the collector's keytab and uploads to the app, which fills the group", async () => {
    const before = tenant.requestLog.filter((entry) => entry.service === "adminService").length;

    const pass = await collectOnce(bed.clientKeytab);

    expect(pass.stderr).toBe("");
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/1 mapped collection\(s\): 1 uploaded \(6 members\), 0 unchanged, 0 superseded, 0 failed/);
    // Every AdminService request reached the simulator through the Kerberos-protected Apache.
    expect(tenant.requestLog.filter((entry) => entry.service === "adminService").length).toBeGreaterThan(before);
    expect(await currentSnapshot()).toMatchObject({ members: 6 });
    await groupBecomes(
      tenant,
      GROUP_ID,
      collection.map((device) => device.objectId),
    );
  });

  it("fails the pass clearly and uploads nothing when the keytab is stale", async () => {
    const stale = await bed.addClient("collector-stale");
    await bed.rekey("collector-stale"); // the account's key changed (password reset): the first keytab no longer works
    const graphWrites = () => tenant.requestLog.filter((entry) => entry.service === "graph" && entry.method !== "GET").length;
    const writesBefore = graphWrites();

    const pass = await collectOnce(stale);

    expect(pass.code).toBe(1);
    expect(pass.stdout).toMatch(/0 uploaded \(0 members\), 0 unchanged, 0 superseded, 1 failed/);
    expect(pass.stdout).toMatch(/0 bytes uploaded/);
    // Says which collection failed and why, naming the account whose ticket could not be had.
    expect(pass.stdout).toMatch(
      new RegExp(`${DEVICE_COLLECTION}: .*Kerberos could not get a ticket for HTTP@localhost as Kerberos principal collector-stale@CSYNC[0-9A-F]+\\.TEST`),
    );
    expect(await currentSnapshot()).toBeNull();
    expect(graphWrites()).toBe(writesBefore);
  });
});

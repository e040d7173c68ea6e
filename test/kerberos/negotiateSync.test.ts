import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { bufferIo } from "../../cli/io.js";
import type { SimulatedTenant } from "../../simulator/index.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range } from "../support/fixtures.js";
import { BED_HOST, startKerberosBed, type KerberosBed } from "./support/kerberosBed.js";
import { startKerberosWorld, type KerberosWorld } from "./support/kerberosWorld.js";

let world: KerberosWorld;
let tenant: SimulatedTenant;
let bed: KerberosBed;
let dataDir: string;
const collection = range(1, 5).map((n) => entraDevice(n));

beforeAll(async () => {
  world = await startKerberosWorld(collection);
  ({ tenant, bed } = world);
});

afterAll(async () => {
  await world?.stop();
});

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "csync-kerberos-"));
});

afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(env: Record<string, string>, ...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, { io, env, dataDir });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

function negotiateEnv(keytab: string, adminServiceRoot = bed.url): Record<string, string> {
  return {
    GRAPH_BASE_URL: tenant.graphBaseUrl,
    ADMINSERVICE_URL: `${adminServiceRoot}/AdminService`,
    ADMINSERVICE_AUTH: "negotiate",
    ADMINSERVICE_KEYTAB: keytab,
  };
}

/** Adds the mapping as the working administrative account (adding reads the collection), then syncs with `env`. */
async function syncOnce(env: Record<string, string>, addEnv: Record<string, string> = negotiateEnv(bed.clientKeytab)) {
  const added = await cli(addEnv, "mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
  expect(added.stderr).toBe("");
  expect(added.code).toBe(0);
  return cli(env, "sync");
}

function graphWrites(): number {
  return tenant.requestLog.filter((entry) => entry.service === "graph" && entry.method !== "GET").length;
}

describe("the AdminService behind Windows authentication (Negotiate / Kerberos)", () => {
  it("syncs a collection over Negotiate with the administrative account's keytab", async () => {
    const synced = await syncOnce(negotiateEnv(bed.clientKeytab));

    expect(synced.stdout + synced.stderr).toContain("added 5");
    expect(synced.code).toBe(0);
    expect(tenant.groupMemberIds(GROUP_ID).sort()).toEqual(collection.map((device) => device.objectId).sort());
  });

  it("syncs with the keytab given as base64 (ADMINSERVICE_KEYTAB_BASE64, as Key Vault hands it over), decoded to a file only its user can read", async () => {
    const { ADMINSERVICE_KEYTAB: _file, ...rest } = negotiateEnv(bed.clientKeytab);
    const env = { ...rest, ADMINSERVICE_KEYTAB_BASE64: readFileSync(bed.clientKeytab).toString("base64") };
    const synced = await syncOnce(env, env);

    // The bed's tenant is shared by this file's tests: the group may already hold the members.
    expect(synced.stdout + synced.stderr).toMatch(/\[additive\]: succeeded\n.*\n.*\n {2}collection members 5, resolved 5/);
    expect(synced.code).toBe(0);
    expect(tenant.groupMemberIds(GROUP_ID).sort()).toEqual(collection.map((device) => device.objectId).sort());
    const decoded = (process.env["KRB5_CLIENT_KTNAME"] ?? "").replace(/^FILE:/, "");
    expect(statSync(decoded).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(decoded)).mode & 0o777).toBe(0o700);
  });

  it("answers 401 to a request without a ticket (the bed really demands Kerberos)", async () => {
    const response = await fetch(`${bed.url}/AdminService/wmi/SMS_Collection('${DEVICE_COLLECTION}')`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Negotiate/);
  });

  it("fails the run with a clear message and writes nothing when the keytab is stale", async () => {
    const stale = await bed.addClient("csync-stale");
    await bed.rekey("csync-stale"); // the account's key changed (password reset): the first keytab no longer works
    const before = graphWrites();

    const synced = await syncOnce(negotiateEnv(stale));

    expect(synced.code).toBe(1);
    expect(synced.stdout).toMatch(/Kerberos could not get a ticket for HTTP@localhost as Kerberos principal csync-stale@CSYNC[0-9A-F]+\.TEST/);
    expect(synced.stdout).toMatch(/nothing was written/);
    expect(graphWrites()).toBe(before);
  });

  it("fails the run with a clear message and writes nothing when the principal is unknown to the realm", async () => {
    const gone = await bed.addClient("csync-gone");
    await bed.deletePrincipal("csync-gone");
    const before = graphWrites();

    const synced = await syncOnce(negotiateEnv(gone));

    expect(synced.code).toBe(1);
    expect(synced.stdout).toMatch(/Kerberos could not get a ticket .* as Kerberos principal csync-gone@/);
    expect(synced.stdout).toMatch(/not found in Kerberos database/i);
    expect(graphWrites()).toBe(before);
  });
});

describe("the server's identity", () => {
  it("is refused when it cannot prove it holds the key of HTTP/<host> (tampered mutual authentication)", async () => {
    const tamper = await startTamperingProxy(new URL(bed.url).port);
    try {
      const before = graphWrites();
      const synced = await syncOnce(negotiateEnv(bed.clientKeytab, `http://${BED_HOST}:${tamper.port}`));

      expect(synced.code).toBe(1);
      expect(synced.stdout).toMatch(/could not prove it is HTTP@localhost \(Kerberos mutual authentication failed/);
      expect(graphWrites()).toBe(before);
      expect(tamper.tampered()).toBeGreaterThan(0);
    } finally {
      tamper.server.close();
    }
  });

  it("cannot be impersonated by a server holding another SPN's key", async () => {
    const impostor = await startKerberosBed({ upstream: tenant.graphBaseUrl, serverSpnHost: "impostor.localhost" });
    try {
      const added = await cli(negotiateEnv(bed.clientKeytab), "mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
      expect(added.code).toBe(0);
      // The impostor is its own realm; the client asks that realm's KDC for HTTP/localhost.
      process.env["KRB5_CONFIG"] = impostor.krb5Config;
      const synced = await cli(negotiateEnv(impostor.clientKeytab, impostor.url), "sync");

      expect(synced.code).toBe(1);
      expect(synced.stdout).toMatch(/The AdminService refused Kerberos principal csync-admin@.* \(ADMINSERVICE_AUTH=negotiate\) with 401/);
      expect(synced.stdout).toMatch(/Read-only Analyst/);
    } finally {
      process.env["KRB5_CONFIG"] = bed.krb5Config;
      await impostor.stop();
    }
  });
});

/**
 * A man in the middle between the client and the real Apache: it passes everything through but replaces the
 * server's mutual-authentication token on 200 answers with one from an earlier exchange (a replay).
 */
async function startTamperingProxy(targetPort: string): Promise<{ server: Server; port: number; tampered: () => number }> {
  let firstToken: string | null = null;
  let tampered = 0;
  const server = createServer((req, res) => {
    const upstream = request({ host: "127.0.0.1", port: Number(targetPort), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      const auth = headers["www-authenticate"];
      if (answer.statusCode === 200 && typeof auth === "string") {
        if (firstToken === null) firstToken = auth;
        else {
          headers["www-authenticate"] = firstToken;
          tampered += 1;
        }
      }
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, tampered: () => tampered };
}

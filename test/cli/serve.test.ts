import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startServe, type ServeHandle } from "../../cli/commands/serveCommand.js";
import { bufferIo } from "../../cli/io.js";
import { silentLogger, type Logger } from "../../shared/logger.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";

let tenant: SimulatedTenant;
let serve: ServeHandle | undefined;
let dataDir: string;

beforeEach(async () => {
  tenant = await startSimulatedTenant({ seed: scenarioSeed({ collection: range(1, 25).map((n) => entraDevice(n)) }) });
  dataDir = mkdtempSync(join(tmpdir(), "collection-sync-serve-"));
});

afterEach(async () => {
  await serve?.close();
  serve = undefined;
  await tenant.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}, host = "127.0.0.1") {
  serve = await startServe({
    port: 0,
    host,
    env: { GRAPH_BASE_URL: tenant.graphBaseUrl, ADMINSERVICE_URL: tenant.adminServiceUrl, ...env },
    io: bufferIo(),
    log: silentLogger,
    dataDir,
  });
  return serve.url;
}

/** One request over a real socket with exactly these headers (fetch does not let a caller set Host). */
function rawCall(url: string, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text === "" ? undefined : JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Sends `text` over a raw socket and never finishes the request; resolves with what the server answered before it hung up. */
function stall(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

function recordingLogger(): Logger & { readonly lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const record = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, info: record("info"), warn: record("warn"), error: record("error") };
}

/** Polls until the check passes; bounded so a broken worker fails the test instead of hanging it. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not reached in 5 s");
}

describe("collection-sync serve", () => {
  it("answers the API over real HTTP and syncs a mapping through its in-process queue and worker", async () => {
    const url = await start();
    const empty = await fetch(`${url}/api/mappings`);
    expect(empty.status).toBe(200);
    expect(await empty.json()).toMatchObject({ items: [], total: 0, continuationToken: null });

    const created = await fetch(`${url}/api/mappings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID }),
    });
    expect(created.status).toBe(201);
    const sync = await fetch(`${url}/api/mappings/${DEVICE_COLLECTION}/${GROUP_ID}/sync`, { method: "POST" });
    expect(sync.status).toBe(202);

    const runs = await eventually(
      async () =>
        (await (await fetch(`${url}/api/mappings/${DEVICE_COLLECTION}/${GROUP_ID}/runs`)).json()) as {
          items: Array<{ status: string; counts: { added: number } }>;
        },
      (body) => body.items.length > 0,
    );
    expect(runs.items[0]).toMatchObject({ status: "succeeded", counts: { added: 25 } });
    expect(tenant.groupMemberIds(GROUP_ID)).toHaveLength(25);
  });

  it("answers bad input with a problem document", async () => {
    const url = await start();
    const response = await fetch(`${url}/api/mappings/x'%20or%201%20eq%201/${GROUP_ID}`);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("refuses a Host it is not listening as (DNS rebinding) with 421, and answers for its address and the loopback names", async () => {
    const url = await start();
    const port = new URL(url).port;
    for (const host of [`attacker.example:${port}`, "attacker.example", `127.0.0.1:${Number(port) + 1}`, `localhost.attacker.example:${port}`]) {
      const answer = await rawCall(url, "GET", "/api/mappings", { host });
      expect(answer.status, host).toBe(421);
      expect(answer.body.type).toMatch(/misdirected-request$/);
    }
    expect(
      (
        await rawCall(url, "POST", `/api/mappings/${DEVICE_COLLECTION}/${GROUP_ID}/sync`, {
          host: `rebind.attacker.example:${port}`,
          origin: `http://rebind.attacker.example:${port}`,
        })
      ).status,
    ).toBe(421);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await rawCall(url, "GET", "/api/mappings", { host })).status, host).toBe(200);
    }
  });

  it("refuses a cross-site write over HTTP with 403 and accepts the same write from curl", async () => {
    const url = await start();
    const port = new URL(url).port;
    const host = `127.0.0.1:${port}`;
    const crossSite = await rawCall(url, "POST", "/api/mappings/PS100020/00000000-0000-4000-8000-000000000001/sync", {
      host,
      origin: "http://attacker.example",
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.type).toMatch(/cross-site-request$/);
    expect((await rawCall(url, "POST", "/api/mappings/PS100020/00000000-0000-4000-8000-000000000001/sync", { host })).status).toBe(404);
  });

  it("ignores X-Forwarded-Host (no proxy stands in front of serve): a cross-site write naming its own origin there is still refused", async () => {
    const url = await start();
    const host = `127.0.0.1:${new URL(url).port}`;
    const forged = await rawCall(url, "POST", "/api/mappings/PS100020/00000000-0000-4000-8000-000000000001/sync", {
      host,
      origin: "http://attacker.example",
      "x-forwarded-host": "attacker.example",
    });
    expect(forged.status).toBe(403);
    expect(forged.body.type).toMatch(/cross-site-request$/);
  });

  it("answers a client too slow to send its headers or body with 408 and closes the connection, logging a warning, not an error", async () => {
    const log = recordingLogger();
    serve = await startServe({
      port: 0,
      host: "127.0.0.1",
      env: { GRAPH_BASE_URL: tenant.graphBaseUrl, ADMINSERVICE_URL: tenant.adminServiceUrl },
      io: bufferIo(),
      log,
      dataDir,
      slowClientMs: 500,
    });
    const host = new URL(serve.url).host;
    const started = Date.now();
    const [slowHeaders, slowBody] = await Promise.all([
      stall(serve.url, `GET /api/mappings HTTP/1.1\r\nHost: ${host}\r\n`),
      stall(serve.url, `POST /api/mappings HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"coll`),
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const answer of [slowHeaders, slowBody]) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain("/problems/request-timeout");
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // the abandoned body's read settles
    expect(log.lines.filter((line) => line.level === "error")).toEqual([]);
    expect(log.lines.filter((line) => line.level === "warn" && /too slow/.test(line.message))).toHaveLength(2);
  });

  it("keeps its data folder private (0700) and its embedded store on a key of its own", async () => {
    chmodSync(dataDir, 0o755);
    await start();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, "azurite", "account-key")).mode & 0o777).toBe(0o600);
  });

  it("refuses to listen beyond loopback without an API key, and requires the key when one is set", async () => {
    await expect(start({}, "0.0.0.0")).rejects.toThrow(/API_KEY/);
    // A name that merely starts like a loopback address resolves wherever its owner wants.
    await expect(start({}, "127.evil.example")).rejects.toThrow(/API_KEY/);
    const url = await start({ API_KEY: "correct horse battery staple" }, "0.0.0.0");
    const port = new URL(url).port;
    expect((await fetch(`http://127.0.0.1:${port}/api/mappings`)).status).toBe(401);
    const withKey = await fetch(`http://127.0.0.1:${port}/api/mappings`, { headers: { "x-api-key": "correct horse battery staple" } });
    expect(withKey.status).toBe(200);
  });
});

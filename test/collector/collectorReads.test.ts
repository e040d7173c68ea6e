import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SOURCE_IDENTITY_FILE, type Collector } from "../../cli/commands/collectCommand.js";
import type { Logger } from "../../shared/logger.js";
import { silentLogger } from "../../shared/logger.js";
import { systemClock, type Clock } from "../../shared/core/ports/clock.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed, type DeviceFixture } from "../support/fixtures.js";
import { groupBecomes as groupBecomesIn } from "../support/groupPolling.js";
import { startLocalSite, type LocalSite } from "../support/localSite.js";

let site: LocalSite | undefined;

afterEach(async () => {
  await site?.close();
  site = undefined;
});

async function world(devices: readonly DeviceFixture[], env: Record<string, string> = {}, others: readonly DeviceFixture[] = []) {
  site = await startLocalSite(scenarioSeed({ collection: devices, others }), "pushed", env);
  const created = await api("POST", "/mappings", { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" });
  expect(created.status).toBe(201);
  return site;
}

/** A collector process on the site's host: a new one per pass, sharing only its data folder (as a restart would). */
function collector(options: { clock?: Clock; log?: Logger } = {}): Promise<Collector> {
  if (site === undefined) throw new Error("world() first");
  return site.collector({
    log: options.log ?? silentLogger,
    clock: options.clock ?? systemClock,
    appClient: { minBackoffMs: 5, maxBackoffMs: 20, retries: 2 },
  });
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${site?.serve.url}/api${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

function groupBecomes(expected: (string | null)[], withinMs?: number): Promise<void> {
  if (site === undefined) throw new Error("world() first");
  return groupBecomesIn(site.tenant, GROUP_ID, expected, withinMs);
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { info: () => {}, error: () => {}, warn: (message) => warnings.push(message), warnings };
}

describe("the collector's source identity cache (its data folder)", () => {
  it("looks up only the members not seen before when a collection changes, even after a restart", { timeout: 90_000 }, async () => {
    const n = 1_200;
    const joined = 30;
    const devices = range(1, n + joined).map((i) => entraDevice(i));
    const { tenant, collectorDir } = await world(devices.slice(0, n), {}, devices.slice(n));
    const first = await (await collector()).once();
    expect(first.collections[0]).toMatchObject({ result: "uploaded", members: n });
    expect(readdirSync(collectorDir)).toContain(SOURCE_IDENTITY_FILE);
    const before = tenant.requestLog.length;

    tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.map((d) => d.system.ResourceId),
    );
    const second = await (await collector()).once();
    expect(second.collections[0]).toMatchObject({ result: "uploaded", members: n + joined });
    // The bound the app's own cache keeps (docs/adminservice-queries.md "Source identity cache"): membership pages + lookups + 3.
    expect(second.collections[0]?.adminServiceRequests).toBeLessThanOrEqual(Math.ceil((n + joined) / 1000) + Math.ceil(joined / 15) + 3);
    // Only the joined members were looked up (every ResourceID the SMS_R_System filters name is a new one).
    const asked = tenant.requestLog
      .slice(before)
      .filter((entry) => entry.path.includes("SMS_R_System"))
      .flatMap((entry) => [...(new URL(entry.path, "http://x").searchParams.get("$filter") ?? "").matchAll(/\d{8,}/g)].map((m) => Number(m[0])));
    expect(asked.length).toBeGreaterThan(0);
    expect(Math.min(...asked)).toBe(devices[n]?.system.ResourceId);
    // The first sync (1,200 adds) may still hold the mapping when this commit lands: its job comes back.
    await groupBecomes(
      devices.map((d) => d.objectId),
      60_000,
    );
  });

  it("survives a damaged cache file: warns, reads every member and writes a good file again", async () => {
    const devices = range(1, 20).map((i) => entraDevice(i));
    const { collectorDir } = await world(devices);
    await (await collector()).once();
    writeFileSync(join(collectorDir, SOURCE_IDENTITY_FILE), '{"version":1,"device":[[1,"PC');
    await api("POST", `/collections/${DEVICE_COLLECTION}/refresh`);

    const log = recordingLogger();
    const pass = await (await collector({ log })).once();
    expect(pass.ok).toBe(true);
    expect(pass.collections[0]).toMatchObject({ result: "uploaded", members: 20 });
    expect(log.warnings).toContain("the source identity cache is damaged: starting empty (every member is looked up once)");
    const rewritten = JSON.parse(readFileSync(join(collectorDir, SOURCE_IDENTITY_FILE), "utf8"));
    expect(rewritten.device).toHaveLength(20);
    expect(readdirSync(collectorDir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});

describe("reads the app asks for", () => {
  it("reads a collection in full when an admin asks, though ConfigMgr's watermark did not move", async () => {
    const devices = range(1, 10).map((i) => entraDevice(i));
    await world(devices);
    expect((await api("GET", "/collections/mapped")).body.items[0]).toMatchObject({ refresh: true, refreshReason: "first-snapshot" });
    await (await collector()).once();
    expect((await api("GET", "/collections/mapped")).body.items[0]).toMatchObject({ refresh: false, refreshReason: null });
    expect((await (await collector()).once()).collections[0]).toMatchObject({ result: "unchanged" });

    const asked = await api("POST", `/collections/${DEVICE_COLLECTION}/refresh`);
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ refreshReason: "requested", snapshot: { refreshRequestedAt: expect.any(String) } });
    expect((await api("GET", "/collections/mapped")).body.items[0]).toMatchObject({ refresh: true, refreshReason: "requested" });

    const refreshed = await (await collector()).once();
    expect(refreshed.collections[0]).toMatchObject({ result: "uploaded", members: 10 });
    expect(refreshed.collections[0]?.message).toContain("read in full: requested");
    // The request is answered: the next pass is back to the one-request check.
    expect((await api("GET", "/collections/mapped")).body.items[0]).toMatchObject({ refresh: false, snapshot: { refreshRequestedAt: null } });
    const quiet = await (await collector()).once();
    expect(quiet.collections[0]).toMatchObject({ result: "unchanged" });
    expect(quiet.adminServiceRequests).toBe(1);
  });

  it("refuses a refresh of a malformed collection id", async () => {
    await world([entraDevice(1)]);
    const refused = await api("POST", "/collections/not-an-id!/refresh");
    expect(refused.status).toBe(400);
  });

  it("re-reads an unchanged collection whose members lacked an Entra id once SOURCE_IDENTITY_RECHECK_MINUTES passed", async () => {
    const late = entraDevice(3, { aadDeviceId: false });
    const devices = [entraDevice(1), entraDevice(2), late];
    const { tenant } = await world(devices, { SOURCE_IDENTITY_RECHECK_MINUTES: "1" });
    // The first read happened 61 seconds ago: device 3 had no AADDeviceID in ConfigMgr yet.
    const past: Clock = { ...systemClock, now: () => Date.now() - 61_000 };
    await (await collector({ clock: past })).once();
    await groupBecomes([devices[0]?.objectId ?? null, devices[1]?.objectId ?? null]);
    expect((await api("GET", "/collections/mapped")).body.items[0]).toMatchObject({ refresh: true, refreshReason: "recheck", snapshot: { withoutEntraId: 1 } });

    // ConfigMgr learns the device's Entra id; the collection itself does not change.
    tenant.updateSystem(late.system.ResourceId, { AADDeviceID: late.device?.deviceId ?? null });
    const recheck = await (await collector()).once();
    expect(recheck.collections[0]).toMatchObject({ result: "uploaded", members: 3 });
    expect(recheck.collections[0]?.message).toContain("read in full: recheck");
    // Reaches the group at once (the commit queues the syncs: members gained an Entra id), not at the next tick.
    await groupBecomes(devices.map((d) => d.objectId));
    expect((await api("GET", "/collections/mapped")).body.items[0]).toMatchObject({ refresh: false, snapshot: { withoutEntraId: 0 } });
  });

  it("leaves an unchanged collection whose members all have an Entra id alone", async () => {
    const devices = range(1, 5).map((i) => entraDevice(i));
    await world(devices, { SOURCE_IDENTITY_RECHECK_MINUTES: "1" });
    const past: Clock = { ...systemClock, now: () => Date.now() - 61_000 };
    await (await collector({ clock: past })).once();
    const quiet = await (await collector()).once();
    expect(quiet.collections[0]).toMatchObject({ result: "unchanged" });
    expect(quiet.adminServiceRequests).toBe(1);
  });
});

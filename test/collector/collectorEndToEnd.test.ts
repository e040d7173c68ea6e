import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildCollector, type Collector } from "../../cli/commands/collectCommand.js";
import type { ServeHandle } from "../../cli/commands/serveCommand.js";
import { silentLogger } from "../../shared/logger.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { DEVICE_COLLECTION, GROUP_ID, USER_COLLECTION, USER_GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { groupBecomes as groupBecomesIn } from "../support/groupPolling.js";
import { startPushedServe } from "../support/pushedServe.js";

const devices = range(1, 40).map((n) => entraDevice(n));
const resourceIds = (from: number, to: number) => range(from, to).map((n) => 16_777_000 + n);
const objectIds = (from: number, to: number) =>
  range(from, to)
    .map((n) => devices[n - 1]?.objectId)
    .sort();

let tenant: SimulatedTenant;
let serve: ServeHandle;
let dataDir: string;

beforeEach(async () => {
  tenant = await startSimulatedTenant({ seed: scenarioSeed({ collection: devices.slice(0, 25), others: devices.slice(25) }) });
  dataDir = mkdtempSync(join(tmpdir(), "collection-sync-collector-"));
  serve = await startPushedServe(tenant, dataDir);
});

afterEach(async () => {
  await serve.close();
  await tenant.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function collector(options: { fetchImpl?: typeof fetch; name?: string } = {}): Promise<Collector> {
  return buildCollector({
    env: { ADMINSERVICE_URL: tenant.adminServiceUrl },
    appUrl: serve.url,
    log: silentLogger,
    name: options.name ?? "CM01",
    // Each collector host has its own data folder (its source identity cache).
    dataDir: collectorDir(options.name ?? "CM01"),
    appClient: { minBackoffMs: 5, maxBackoffMs: 20, retries: 2, ...(options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl }) },
  });
}

const collectorDir = (name: string) => join(dataDir, `collector-${name}`);

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${serve.url}/api${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

const groupBecomes = (expected: (string | null | undefined)[]) => groupBecomesIn(tenant, GROUP_ID, expected);
const mapDevices = async () =>
  expect((await api("POST", "/mappings", { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" })).status).toBe(201);

describe("the on-premises collector against serve (SOURCE_MODE=pushed)", () => {
  it("fills a group through the app, and a collection change reaches the group without a timer tick", async () => {
    const created = await api("POST", "/mappings", { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" });
    expect(created.status).toBe(201);
    expect(created.body.source.status).toBe("awaiting-first-snapshot");

    const first = await (await collector()).once();
    expect(first.ok).toBe(true);
    expect(first.collections).toEqual([expect.objectContaining({ collectionId: DEVICE_COLLECTION, result: "uploaded", members: 25 })]);
    await groupBecomes(objectIds(1, 25));

    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(3, 30));
    const second = await (await collector()).once();
    expect(second.collections[0]).toMatchObject({ result: "uploaded", members: 28 });
    await groupBecomes(objectIds(3, 30));

    // Nothing changed: one SMS_Collection read and a confirmation, no member read, no upload.
    const third = await (await collector()).once();
    expect(third.collections[0]).toMatchObject({ result: "unchanged", uploadBytes: 0 });
    expect(third.adminServiceRequests).toBe(1);
    const health = await api("GET", "/health");
    expect(health.body.snapshots).toEqual([expect.objectContaining({ collectionId: DEVICE_COLLECTION, status: "current", collector: "CM01" })]);
  });

  it("leaves the previous snapshot current when killed mid-upload, and the next pass completes", async () => {
    await api("POST", "/mappings", { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" });
    await (await collector()).once();
    await groupBecomes(objectIds(1, 25));
    const before = (await api("GET", "/collections/mapped")).body.items[0].snapshot.snapshotId;

    // The process dies after its first part went up: nothing it sends gets through any more.
    let partsSent = 0;
    const dying: typeof fetch = async (input, init) => {
      if (partsSent >= 1) throw new TypeError("fetch failed (the collector was killed)");
      if (init?.method === "PUT") partsSent += 1;
      return fetch(input, init);
    };
    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(1, 35));
    const killed = await buildCollector({
      env: { ADMINSERVICE_URL: tenant.adminServiceUrl, COLLECTOR_INTERVAL_SECONDS: "5" },
      appUrl: serve.url,
      log: silentLogger,
      appClient: { minBackoffMs: 5, maxBackoffMs: 20, retries: 1, fetchImpl: dying },
      // Parts of 10 members: the read goes up in four parts and dies after the first.
      membersPerPart: 10,
      dataDir: join(dataDir, "collector-killed"),
    });
    const dead = await killed.once();
    expect(dead.ok).toBe(false);
    expect(partsSent).toBe(1);
    expect(dead.collections[0]).toMatchObject({ result: "failed" });
    expect((await api("GET", "/collections/mapped")).body.items[0].snapshot.snapshotId).toBe(before);
    await groupBecomes(objectIds(1, 25));

    // A restarted collector (nothing kept) reads again and completes.
    const next = await (await collector()).once();
    expect(next.collections[0]).toMatchObject({ result: "uploaded", members: 35 });
    await groupBecomes(objectIds(1, 35));
  });

  it("two collectors pushing at once leave one whole snapshot current", async () => {
    await api("POST", "/mappings", { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" });
    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(5, 40));
    const [a, b] = await Promise.all([(await collector({ name: "CM01" })).once(), (await collector({ name: "CM02" })).once()]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect([a.collections[0]?.result, b.collections[0]?.result].sort()).toEqual(expect.arrayContaining(["uploaded"]));
    const current = (await api("GET", "/collections/mapped")).body.items[0].snapshot;
    expect(current).toMatchObject({ members: 36, memberCount: 36 });
    await groupBecomes(objectIds(5, 40));
  });

  it("uploads the site's collection catalog when it changed, so an admin finds any collection by part of its name and maps it without saying its type", async () => {
    const first = await (await collector()).once();
    expect(first.catalog).toMatchObject({ result: "uploaded", collections: 2 });
    const again = await (await collector()).once();
    expect(again.catalog).toMatchObject({ result: "unchanged", collections: 2 });

    const found = await api("GET", "/collections?search=ALES%20us");
    expect(found.body.items).toEqual([{ id: USER_COLLECTION, name: "Sales users", type: "user", memberCount: expect.any(Number) }]);
    const created = await api("POST", "/mappings", { collectionId: USER_COLLECTION, groupId: USER_GROUP_ID });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ memberType: "user", collectionName: "Sales users" });
    const health = await api("GET", "/health");
    expect(health.body.catalog).toMatchObject({ collections: 2, collector: "CM01", ageSeconds: expect.any(Number) });
    expect(health.body.catalog.ageSeconds).toBeLessThan(60);
  });

  it("takes an app URL that ends in /api, with or without a trailing slash", async () => {
    await api("POST", "/mappings", { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" });
    for (const appUrl of [`${serve.url}/api`, `${serve.url}/api/`, `${serve.url}/`]) {
      const pass = await (
        await buildCollector({
          env: { ADMINSERVICE_URL: tenant.adminServiceUrl },
          appUrl,
          log: silentLogger,
          name: "CM01",
          dataDir: join(dataDir, "collector-url"),
        })
      ).once();
      expect(pass.ok, appUrl).toBe(true);
    }
  });
});

const currentSnapshot = async () => (await api("GET", "/collections/mapped")).body.items[0].snapshot;

describe("a changed collection goes up as a delta against the collector's last full upload", () => {
  it("sends only the members that joined and the ids that left, and the group follows; a later collector process does the same", async () => {
    await mapDevices();
    const first = await (await collector()).once();
    expect(first.collections[0]).toMatchObject({ result: "uploaded", members: 25 });
    const full = await currentSnapshot();
    expect(full.baseSnapshotId).toBeNull();
    await groupBecomes(objectIds(1, 25));

    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(3, 28));
    const second = await (await collector()).once();
    expect(second.collections[0]).toMatchObject({ result: "uploaded", members: 26 });
    expect(second.collections[0]?.message).toContain(`a change against base ${full.snapshotId}: 3 members in, 2 out`);
    expect(second.collections[0]?.uploadBytes).toBeLessThan(first.collections[0]!.uploadBytes);
    expect(await currentSnapshot()).toMatchObject({ members: 26, memberCount: 26, baseSnapshotId: full.snapshotId });
    await groupBecomes(objectIds(3, 28));

    // The next change is sent against the same base (the change since it, not since the last delta).
    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(3, 29));
    const third = await (await collector()).once();
    expect(third.collections[0]?.message).toContain(`a change against base ${full.snapshotId}: 4 members in, 2 out`);
    await groupBecomes(objectIds(3, 29));
  });

  it("uploads in full when the change is large, when an admin asks for a full read, and when its base file is damaged", async () => {
    await mapDevices();
    await (await collector()).once();
    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(12, 40));
    const large = await (await collector()).once();
    expect(large.collections[0]?.message).not.toContain("a change against base");
    expect(await currentSnapshot()).toMatchObject({ members: 29, baseSnapshotId: null });

    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(13, 40));
    expect((await api("POST", `/collections/${DEVICE_COLLECTION}/refresh`)).status).toBe(202);
    const asked = await (await collector()).once();
    expect(asked.collections[0]?.message).toContain("read in full: requested");
    expect(asked.collections[0]?.message).not.toContain("a change against base");

    const [file] = readdirSync(collectorDir("CM01")).filter((name) => name.startsWith("snapshot-base-"));
    writeFileSync(join(collectorDir("CM01"), file as string), "not a base");
    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(14, 40));
    const damaged = await (await collector()).once();
    expect(damaged.collections[0]).toMatchObject({ result: "uploaded", members: 27 });
    expect(damaged.collections[0]?.message).not.toContain("a change against base");
    expect(await currentSnapshot()).toMatchObject({ members: 27, baseSnapshotId: null });
  });

  it("falls back to a full upload in the same pass when the app drops the base while the delta goes up", async () => {
    await mapDevices();
    await (await collector()).once();
    await groupBecomes(objectIds(1, 25));
    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(1, 27));
    // An operator discards the current snapshot just as the delta's first part is sent.
    let discarded = false;
    const discarding: typeof fetch = async (input, init) => {
      if (!discarded && init?.method === "PUT" && (input instanceof Request ? input.url : input.toString()).includes("/parts/")) {
        discarded = true;
        expect((await api("DELETE", `/collections/${DEVICE_COLLECTION}/snapshots/current`)).status).toBe(200);
      }
      return fetch(input, init);
    };
    const pass = await (await collector({ fetchImpl: discarding })).once();

    expect(discarded).toBe(true);
    expect(pass.collections[0]).toMatchObject({ result: "uploaded", members: 27 });
    expect(pass.collections[0]?.message).not.toContain("a change against base");
    expect(await currentSnapshot()).toMatchObject({ members: 27, baseSnapshotId: null });
    await groupBecomes(objectIds(1, 27));

    // The full upload is the new base: the next change is a delta against it.
    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(1, 28));
    const next = await (await collector()).once();
    expect(next.collections[0]?.message).toContain("a change against base");
  });

  it("sends in full when another collector's snapshot replaced the one it remembers", async () => {
    await mapDevices();
    // Each sync finishes before the next change: a job that finds its mapping busy comes back 15 s later.
    await (await collector({ name: "CM01" })).once();
    await groupBecomes(objectIds(1, 25));
    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(1, 26));
    await (await collector({ name: "CM02" })).once();
    await groupBecomes(objectIds(1, 26));
    tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(1, 27));
    const pass = await (await collector({ name: "CM01" })).once();
    expect(pass.collections[0]).toMatchObject({ result: "uploaded", members: 27 });
    expect(pass.collections[0]?.message).not.toContain("a change against base");
    await groupBecomes(objectIds(1, 27));
  });
});

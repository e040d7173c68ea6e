import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildCollector, type Collector } from "../../cli/commands/collectCommand.js";
import type { ServeHandle } from "../../cli/commands/serveCommand.js";
import { silentLogger } from "../../shared/logger.js";
import type { SnapshotMember } from "../../shared/snapshots/snapshot.js";
import { encodeDeltaParts, encodeParts } from "../../shared/snapshots/snapshotFormat.js";
import { createSnapshotService } from "../../shared/snapshots/snapshotService.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { groupBecomes } from "../support/groupPolling.js";
import { startPushedServe } from "../support/pushedServe.js";
import { commitBody, snapshotDevice } from "../snapshots/snapshotUploads.js";
import { tallyScenario } from "./support/tally.js";

/**
 * Pushed mode (SOURCE_MODE=pushed) as safe as adminservice mode: whatever a collector, its AdminService or
 * someone holding Snapshots.Write sends, the group loses no member a clean run keeps, and nothing is removed
 * that a clean run would not remove. Each scenario runs `serve` with the real collector against the simulated
 * tenant over HTTP, and ends with an honest pass that must be applied.
 */

const devices = range(1, 40).map((n) => entraDevice(n));
const resourceIds = (from: number, to: number) => range(from, to).map((n) => 16_777_000 + n);
const objectIds = (from: number, to: number) =>
  range(from, to)
    .map((n) => devices[n - 1]?.objectId ?? "")
    .sort();
const MEMBERSHIP = /SMS_FullCollectionMembership/;
const COLLECTION_ROW = /SMS_Collection\(/;
// A pass reads every mapped collection's watermark in one list request first, then each changed one by key.
const COLLECTION_LIST = /SMS_Collection\?\$filter=CollectionID/;

/**
 * The device collection answers with `watermark` (its MemberCount and LastMemberChangeTime), however the collector
 * asks for it (keyed read or the watermark list).
 */
function collectionAnswers(w: PushedWorld, watermark: { MemberCount: number; LastMemberChangeTime: string }): { remove(): void } {
  const row = { CollectionID: DEVICE_COLLECTION, Name: "Autopilot devices", CollectionType: 2, ...watermark };
  const keyed = w.tenant.faults.add({ service: "adminService", path: COLLECTION_ROW, status: 200, body: row });
  const listed = w.tenant.faults.add({ service: "adminService", path: COLLECTION_LIST, status: 200, body: { value: [row] } });
  return {
    remove: () => {
      keyed.remove();
      listed.remove();
    },
  };
}

interface PushedWorld {
  readonly tenant: SimulatedTenant;
  readonly serve: ServeHandle;
  collector(options?: { appUrl?: string; env?: Record<string, string> }): Promise<Collector>;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** DELETEs of group members the tenant received since `seq`. */
  removalsSince(seq: number): string[];
  seq(): number;
  /** Queues a sync of the mapping and waits until its run is recorded. */
  syncNow(): Promise<{ status: string }>;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** serve (pushed) with a managed mapping of 1..25, filled by a first collector pass. */
async function startWorld(env: Record<string, string> = {}): Promise<PushedWorld> {
  const tenant = await startSimulatedTenant({ seed: scenarioSeed({ collection: devices.slice(0, 25), others: devices.slice(25) }) });
  closers.push(() => tenant.close());
  const dataDir = mkdtempSync(join(tmpdir(), "collection-sync-pushed-faults-"));
  closers.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const serve = await startPushedServe(tenant, dataDir, env);
  closers.push(() => serve.close());
  const api: PushedWorld["api"] = async (method, path, body, headers = {}) => {
    const isBytes = body instanceof Uint8Array;
    const response = await fetch(`${serve.url}/api${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": isBytes ? "application/gzip" : "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: isBytes ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? null : JSON.parse(text) };
  };
  const world: PushedWorld = {
    tenant,
    serve,
    collector: (options = {}) =>
      buildCollector({
        env: { ADMINSERVICE_URL: tenant.adminServiceUrl, ...(options.env ?? {}) },
        appUrl: options.appUrl ?? serve.url,
        log: silentLogger,
        name: "CM01",
        dataDir: join(dataDir, "collector"),
        appClient: { minBackoffMs: 5, maxBackoffMs: 20, retries: 1 },
      }),
    api,
    seq: () => tenant.requestLog.at(-1)?.seq ?? 0,
    removalsSince: (seq) => tenant.requestLog.filter((e) => e.seq > seq && e.method === "DELETE" && /\/members\//.test(e.path)).map((e) => e.path),
    async syncNow() {
      const runsPath = `/mappings/${DEVICE_COLLECTION}/${GROUP_ID}/runs`;
      const before = (await api("GET", runsPath)).body.items.length;
      expect((await api("POST", `/mappings/${DEVICE_COLLECTION}/${GROUP_ID}/sync`)).status).toBe(202);
      for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
        const runs = (await api("GET", runsPath)).body.items;
        if (runs.length > before) return runs[0];
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error("the queued sync never ran");
    },
  };
  expect((await api("POST", "/mappings", { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" })).status).toBe(201);
  expect((await (await world.collector()).once()).ok).toBe(true);
  await groupBecomes(tenant, GROUP_ID, objectIds(1, 25));
  return world;
}

/** Parts and a commit as someone holding Snapshots.Write could send them, bypassing the collector's own checks. */
async function pushByHand(w: PushedWorld, members: readonly SnapshotMember[], collection: { memberCount?: number; lastMemberChangeTime?: string }) {
  const snapshotId = randomUUID();
  const parts = await encodeParts({ collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" }, members, 10);
  for (const [n, data] of parts.entries())
    expect((await w.api("PUT", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/parts/${n}`, data)).status).toBe(200);
  const body = commitBody(DEVICE_COLLECTION, members, parts.length, collection);
  return w.api("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/commit`, body);
}

/** The faulty phase changed nothing; then ConfigMgr changes (3..30) and an honest pass must reach the group. */
async function honestPassApplied(w: PushedWorld, scenario: string, from: number, faults: number): Promise<void> {
  const before = new Set(w.tenant.groupMemberIds(GROUP_ID));
  const lost = objectIds(1, 25).filter((id) => !before.has(id)).length;
  const wrongful = w.removalsSince(from).length;
  expect(lost).toBe(0);
  expect(wrongful).toBe(0);
  w.tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(3, 30));
  const pass = await (await w.collector()).once();
  expect(pass.collections[0]).toMatchObject({ result: "uploaded", members: 28 });
  await groupBecomes(w.tenant, GROUP_ID, objectIds(3, 30));
  tallyScenario(`pushed: ${scenario}`, { faultsInjected: faults, membersLost: lost, wrongfulRemovals: wrongful });
}

describe("a read short of the collection's MemberCount never costs the group a member (pushed mode)", () => {
  it("the AdminService pages its membership short: the collector refuses to upload, and a later honest pass is applied", async () => {
    const w = await startWorld();
    const from = w.seq();
    w.tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(1, 24));
    const cut = w.tenant.faults.add({ service: "adminService", path: MEMBERSHIP, truncatePaging: true });
    const pass = await (await w.collector()).once();
    expect(pass.collections[0]).toMatchObject({ result: "failed" });
    expect(pass.collections[0]?.message).toMatch(/returned \d+ members of .* but announced/);
    expect(["succeeded", "skipped-unchanged"]).toContain((await w.syncNow()).status);
    cut.remove();
    await honestPassApplied(w, "AdminService membership paged short", from, cut.hits);
  });

  it("SMS_Collection reports more members than the membership holds: refused by the collector, and by the app from anyone else (409)", async () => {
    const w = await startWorld();
    const from = w.seq();
    const inflated = collectionAnswers(w, { MemberCount: 30, LastMemberChangeTime: new Date().toISOString() });
    expect((await (await w.collector()).once()).collections[0]).toMatchObject({ result: "failed" });
    inflated.remove();
    // The same shortfall sent by hand: 10 of the 25 members, the collection saying 25.
    const short = await pushByHand(
      w,
      resourceIds(1, 10).map((id) => snapshotDevice(id - 16_777_000)),
      { memberCount: 25, lastMemberChangeTime: new Date().toISOString() },
    );
    expect(short.status).toBe(409);
    expect(short.body.type).toMatch(/snapshot-short$/);
    expect(["succeeded", "skipped-unchanged"]).toContain((await w.syncNow()).status);
    await honestPassApplied(w, "MemberCount above the members read", from, 2);
  });
});

describe("a change time far in the future never holds a collection (pushed mode)", () => {
  it("from the AdminService: the collector refuses it; by hand: 400; honest commits after it are current, not superseded", async () => {
    const w = await startWorld();
    const from = w.seq();
    const future = collectionAnswers(w, { MemberCount: 25, LastMemberChangeTime: "9999-12-31T23:59:59.9999999+00:00" });
    const pass = await (await w.collector()).once();
    expect(pass.collections[0]?.message).toMatch(/Not uploaded: .*9999-12-31.* is in the future/);
    future.remove();
    for (const time of ["9999-12-31T23:59:59Z", "not-a-date", new Date(Date.now() + 3_600_000).toISOString()]) {
      const pushed = await pushByHand(
        w,
        resourceIds(1, 25).map((id) => snapshotDevice(id - 16_777_000)),
        { lastMemberChangeTime: time },
      );
      expect(pushed.status, time).toBe(400);
    }
    await honestPassApplied(w, "LastMemberChangeTime in the future", from, 4);
  });
});

describe("an operator discards a collection's snapshot (pushed mode)", () => {
  it("removals wait as with no snapshot, the collector uploads afresh on its next pass, and that pass is applied", async () => {
    const w = await startWorld();
    const from = w.seq();
    expect((await w.api("DELETE", `/collections/${DEVICE_COLLECTION}/snapshots/current`)).status).toBe(200);
    w.tenant.setCollectionMembers(DEVICE_COLLECTION, resourceIds(1, 20));
    expect((await w.syncNow()).status).toBe("failed");
    const mapped = (await w.api("GET", "/collections/mapped")).body.items[0];
    expect(mapped).toMatchObject({ snapshot: null, refresh: true, refreshReason: "first-snapshot" });
    await honestPassApplied(w, "snapshot discarded", from, 1);
  });
});

describe("staging is bounded (pushed mode)", () => {
  it("refuses unmapped collections (409) and uploads past SNAPSHOT_STAGING_MAX_MB (413); the janitor deletes what nobody commits", async () => {
    const w = await startWorld({ SNAPSHOT_STAGING_MAX_MB: "1" });
    const from = w.seq();
    const stray = randomUUID();
    const unmapped = await w.api(
      "PUT",
      `/collections/PS100099/snapshots/${stray}/parts/0`,
      (await encodeParts({ collectionId: "PS100099", snapshotId: stray, memberType: "device" }, [snapshotDevice(1)]))[0],
    );
    expect(unmapped.status).toBe(409);
    // Incompressible names: a part of ~200 KB is taken; one of more than 1 MB on top of it is not.
    const snapshotId = randomUUID();
    const bulky = range(1, 1500).map((n) => ({ ...snapshotDevice(n), name: randomBytes(96).toString("base64") }));
    const parts = await encodeParts({ collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" }, bulky, 1500);
    const statuses: number[] = [];
    for (const [n, data] of parts.entries())
      statuses.push((await w.api("PUT", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/parts/${n}`, data)).status);
    const second = randomUUID();
    const oneBig = await encodeParts(
      { collectionId: DEVICE_COLLECTION, snapshotId: second, memberType: "device" },
      range(1, 9000).map((n) => ({ ...snapshotDevice(n), name: randomBytes(120).toString("base64") })),
      9000,
    );
    expect(oneBig).toHaveLength(1);
    const again = await w.api("PUT", `/collections/${DEVICE_COLLECTION}/snapshots/${second}/parts/0`, oneBig[0]);
    expect(again.status).toBe(413);
    const { stores, sync, queue } = w.serve.runtime.services;
    expect(statuses).toEqual([200]);
    expect((await stores.snapshots.listStoredSnapshots(DEVICE_COLLECTION)).size).toBe(2);
    expect((await w.serve.runtime.services.api.snapshots.pruneStaging()).deleted).toBe(0);
    // The janitor an hour later: the same service over the same store, its clock 61 minutes ahead.
    const later = { now: () => Date.now() + 61 * 60_000, sleep: async () => {} };
    const janitor = createSnapshotService({
      store: stores.snapshots,
      mappings: sync.mappings,
      queue,
      clock: later,
      log: silentLogger,
      pushed: true,
      maxAgeMs: 30 * 60_000,
      recheckMs: 60 * 60_000,
    });
    expect((await janitor.pruneStaging()).deleted).toBe(1);
    expect((await stores.snapshots.listStoredSnapshots(DEVICE_COLLECTION)).size).toBe(1);
    await honestPassApplied(w, "staging flooded", from, statuses.length + 2);
  });
});

describe("a committed snapshot never changes (pushed mode)", () => {
  it("a part upload racing its own snapshot's commit, 100 times: the current snapshot always reads whole, as committed", async () => {
    const w = await startWorld();
    const from = w.seq();
    const source = w.serve.runtime.services.sync.sources;
    // The same members under other names: different bytes, so a mixed read would show, yet either is the truth.
    const a = range(1, 25).map((n) => snapshotDevice(n));
    const b = a.map((m) => ({ ...m, name: `${m.name}-B` }));
    let unreadable = 0;
    let changedAfterCommit = 0;
    for (let trial = 0; trial < 100; trial++) {
      const snapshotId = randomUUID();
      const time = new Date(Date.now() - 1000 + trial).toISOString();
      const [partA] = await encodeParts({ collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" }, a, 100);
      const [partB] = await encodeParts({ collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" }, b, 100);
      const path = `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}`;
      expect((await w.api("PUT", `${path}/parts/0`, partA)).status).toBe(200);
      const body = { ...commitBody(DEVICE_COLLECTION, a, 1, { lastMemberChangeTime: time }), readStartedAt: time, readFinishedAt: time };
      const [commit, racing] = await Promise.all([w.api("POST", `${path}/commit`, body), w.api("PUT", `${path}/parts/0`, partB)]);
      expect(commit.status).toBe(200);
      expect([200, 409]).toContain(racing.status);
      const read = () => readAsJson(source);
      const first = await read();
      // The racing upload may still land after the commit answered: the snapshot must not change then either.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await read();
      if (first === "null") unreadable += 1;
      else if (first !== second) changedAfterCommit += 1;
      else expect([JSON.stringify(a), JSON.stringify(b)]).toContain(first);
    }
    expect({ unreadable, changedAfterCommit }).toEqual({ unreadable: 0, changedAfterCommit: 0 });
    await groupBecomes(w.tenant, GROUP_ID, objectIds(1, 25));
    await honestPassApplied(w, "part upload racing its commit (100 trials)", from, 100);
  });
});

describe("a delta never reads a base that is gone (pushed mode)", () => {
  it("a delta commit racing another collector's full upload and two readers, 30 times: every read is one whole snapshot", async () => {
    const w = await startWorld();
    const from = w.seq();
    const source = w.serve.runtime.services.sync.sources;
    const byId = (list: SnapshotMember[]) => [...list].sort((x, y) => x.resourceId - y.resourceId);
    let unreadable = 0;
    let mixed = 0;
    const outcomes = new Map<string, number>();
    for (let trial = 0; trial < 30; trial++) {
      // The same 26 devices throughout, under names that say which snapshot was read: no member ever leaves.
      const base = range(1, 26).map((n) => ({ ...snapshotDevice(n), name: `PC-${n}-base-${trial}` }));
      const changed = byId([...base.filter((m) => m.resourceId !== snapshotDevice(5).resourceId), { ...snapshotDevice(5), name: `PC-5-delta-${trial}` }]);
      const other = base.map((m) => ({ ...m, name: `${m.name}-other` }));
      const at = (ms: number) => new Date(Date.now() - 10_000 + ms).toISOString();
      const baseId = await commitWhole(w, base, at(0), at(0));
      const deltaId = randomUUID();
      const deltaParts = await encodeDeltaParts(
        { collectionId: DEVICE_COLLECTION, snapshotId: deltaId, memberType: "device" },
        [{ ...snapshotDevice(5), name: `PC-5-delta-${trial}` }],
        [snapshotDevice(5).resourceId],
      );
      expect((await w.api("PUT", `/collections/${DEVICE_COLLECTION}/snapshots/${deltaId}/parts/0`, deltaParts[0])).status).toBe(200);
      const deltaBody = {
        ...commitBody(DEVICE_COLLECTION, changed, 1, { lastMemberChangeTime: at(1) }),
        readStartedAt: at(1),
        readFinishedAt: at(1),
        base: baseId,
        withoutEntraId: 0,
      };
      const read = () => readAsJson(source);
      // Another collector's full read of the same change time, read a moment later: it wins whichever commits first.
      const whole = await stageWhole(w, other, at(1), at(2));
      const [delta, wholeStatus, first, second] = await Promise.all([
        // Sent at once, or a few milliseconds after the full upload's commit: both orders happen.
        new Promise((resolve) => setTimeout(resolve, (trial % 3) * 10)).then(() =>
          w.api("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${deltaId}/commit`, deltaBody),
        ),
        whole.commit().then((answer) => answer.status),
        read(),
        read(),
      ]);
      const answer = `delta ${delta.status} ${String((delta.body as { type?: string }).type ?? "")
        .split("/")
        .pop()}, full ${wholeStatus}`;
      outcomes.set(answer, (outcomes.get(answer) ?? 0) + 1);
      expect([200, 409], JSON.stringify(delta.body)).toContain(delta.status);
      const legitimate = [base, changed, other].map((list) => JSON.stringify(list));
      for (const seen of [first, second, await read()]) {
        if (seen === "null") unreadable += 1;
        else if (!legitimate.includes(seen)) mixed += 1;
      }
      expect(await read()).toBe(JSON.stringify(other));
    }
    expect({ unreadable, mixed }).toEqual({ unreadable: 0, mixed: 0 });
    expect([...outcomes.keys()].every((key) => /^delta (200 |409 snapshot-base-gone)/.test(key))).toBe(true);
    await groupBecomes(w.tenant, GROUP_ID, objectIds(1, 26));
    await honestPassApplied(w, "delta commit racing a full upload and readers (30 trials)", from, 30);
  });
});

/** What a sync would read now, as JSON; "null" when the read fails. */
async function readAsJson(source: PushedWorld["serve"]["runtime"]["services"]["sync"]["sources"]): Promise<string> {
  return JSON.stringify(
    await source
      .open()
      .readDeviceMembers(DEVICE_COLLECTION)
      .catch(() => null),
  );
}

/** A full snapshot of `members` uploaded and committed through the API; answers its id. */
async function commitWhole(w: PushedWorld, members: readonly SnapshotMember[], changedAt: string, readAt: string): Promise<string> {
  const staged = await stageWhole(w, members, changedAt, readAt);
  expect((await staged.commit()).status).toBe(200);
  return staged.snapshotId;
}

/** A full snapshot's part uploaded; `commit` sends its commit. */
async function stageWhole(w: PushedWorld, members: readonly SnapshotMember[], changedAt: string, readAt: string) {
  const snapshotId = randomUUID();
  const [part] = await encodeParts({ collectionId: DEVICE_COLLECTION, snapshotId, memberType: "device" }, members, 100);
  expect((await w.api("PUT", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/parts/0`, part)).status).toBe(200);
  const body = { ...commitBody(DEVICE_COLLECTION, members, 1, { lastMemberChangeTime: changedAt }), readStartedAt: readAt, readFinishedAt: readAt };
  return { snapshotId, commit: () => w.api("POST", `/collections/${DEVICE_COLLECTION}/snapshots/${snapshotId}/commit`, body) };
}

describe("the collector never follows a redirect (pushed mode)", () => {
  it("refuses it with a clear message; the other origin never sees the collector's key; the group keeps its members", async () => {
    const w = await startWorld();
    const from = w.seq();
    const elsewhere: IncomingHttpHeaders[] = [];
    const trap = await listen(
      createServer((req, res) => {
        elsewhere.push(req.headers);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sourceMode: "pushed", items: [] }));
      }),
    );
    const redirector = await listen(createServer((req, res) => res.writeHead(307, { location: `${trap.url}${req.url ?? "/"}` }).end()));
    const pass = await (await w.collector({ appUrl: redirector.url, env: { API_KEY: "collector-key-of-the-site" } })).once();
    expect(pass.ok).toBe(false);
    expect(pass.error).toMatch(/redirect to http:\/\/127\.0\.0\.1:\d+\/api\/collections\/mapped; the collector does not follow redirects/);
    expect(elsewhere).toEqual([]);
    await honestPassApplied(w, "redirect to another origin", from, 1);
  });
});

async function listen(server: Server): Promise<{ url: string }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

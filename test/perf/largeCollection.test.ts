import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { api, runsFinished } from "../../bench/collectorScenario.js";
import { graphBound } from "../../bench/scaleTargets.js";
import { adminServiceBound } from "../../bench/targets.js";
import type { ServeHandle } from "../../cli/commands/serveCommand.js";
import { PAGE_SIZE } from "../../shared/graph/groupReads.js";
import { FOLLOW_DELTA_ABOVE } from "../../shared/sync/groupTracker.js";
import type { Collector } from "../../cli/commands/collectCommand.js";
import type { SimulatedTenant } from "../../simulator/index.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed, type DeviceFixture } from "../support/fixtures.js";
import { startLocalSite, type LocalSite } from "../support/localSite.js";

/**
 * S7 of `npm run bench` (a 1,000,000-member collection, issue 20) at a size the test suite can afford, through
 * `serve`'s own composition: the real engine, the AdminService and Graph adapters over HTTP to the simulated tenant,
 * and Table Storage in an Azurite that `serve` starts. Big enough to cross every window the engine works in: more
 * than one AdminService window (1,000 rows), more than one packed row (4,000 records), more than one Graph member
 * page (999), and more own writes than FOLLOW_DELTA_ABOVE, so the first sync follows the group's delta after writing.
 */
const ENTRA_JOINED = 4_800;
/** In the collection but not Entra-joined: never in the group (the mapping does not include hybrid-joined). */
const HYBRID = 60;
/** Never joined to Entra: ConfigMgr knows no AADDeviceID for them. */
const WITHOUT_ENTRA_ID = 40;
/** Devices that join the collection after the first sync: Entra-joined, and a few hybrid-joined. */
const JOINING_ENTRA = 540;
const JOINING_HYBRID = 30;
const JOINING = JOINING_ENTRA + JOINING_HYBRID;

/**
 * Entra device ids as Entra assigns them: random, so a snapshot compresses no better than a real site's (counter-based
 * ids would gzip to a third). Derived from the device's number, so failures name the same devices every run.
 */
function scattered(fixture: DeviceFixture): DeviceFixture {
  const hex = createHash("sha256").update(fixture.system.Name).digest("hex");
  const deviceId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return {
    ...fixture,
    system: { ...fixture.system, AADDeviceID: fixture.system.AADDeviceID == null ? null : deviceId },
    device: fixture.device === null ? null : { ...fixture.device, deviceId },
  };
}
const devices = (numbers: readonly number[], options: Parameters<typeof entraDevice>[1] = {}) => numbers.map((n) => scattered(entraDevice(n, options)));

const members: DeviceFixture[] = [
  ...devices(range(1, ENTRA_JOINED)),
  ...devices(range(20_001, 20_000 + HYBRID), { trustType: "ServerAd" }),
  ...devices(range(30_001, 30_000 + WITHOUT_ENTRA_ID), { aadDeviceId: false, inEntra: false }),
];
const joining: DeviceFixture[] = [
  ...devices(range(40_001, 40_000 + JOINING_ENTRA)),
  ...devices(range(50_001, 50_000 + JOINING_HYBRID), { trustType: "ServerAd" }),
];
const entraJoined = (fixtures: readonly DeviceFixture[]) => fixtures.filter((d) => d.device?.trustType === "AzureAd").map((d) => d.objectId as string);

/**
 * The collector uploads a change as a delta against its last full upload (docs/collector.md "Delta uploads"): per
 * joining member a ResourceID, a name and a random 16-byte Entra id, about 28 bytes once gzipped (measured over
 * 100,000 random ids). 32 bytes a member plus a part's framing leaves room for nothing else: not for the members
 * the collection already had.
 */
const SNAPSHOT_BYTES_PER_MEMBER = 32;
const PART_FRAMING_BYTES = 512;
const changeBytesBound = (changedMembers: number) => SNAPSHOT_BYTES_PER_MEMBER * changedMembers + PART_FRAMING_BYTES;

/**
 * Longest wait for a sync of a few thousand members (seconds when the machine is idle): a broken pipeline fails the
 * test instead of hanging it. Not a performance limit; `npm run bench -- --only S7` measures that.
 */
const SYNC_WAIT_MS = 60_000;

let opened: LocalSite | undefined;

afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

interface Site {
  readonly tenant: SimulatedTenant;
  readonly serve: ServeHandle;
  /** Starts one sync as the source mode starts it; the collector pass's figures in pushed mode. */
  sync(): Promise<CollectorPass | null>;
}

interface CollectorPass {
  readonly adminServiceRequests: number;
  readonly uploadBytes: number;
}

/** adminservice: the app reads ConfigMgr and syncs on request; pushed: a collector pass uploads and its commit starts the sync. */
async function startSite(mode: "adminservice" | "pushed"): Promise<Site> {
  const seed = scenarioSeed({ collection: members, others: joining });
  const local = (opened = await startLocalSite(seed, mode));
  const { tenant, serve } = local;
  await api(serve, "POST", "/mappings", { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, memberType: "device" });
  if (mode === "adminservice") return { tenant, serve, sync: () => api(serve, "POST", `/mappings/${DEVICE_COLLECTION}/${GROUP_ID}/sync`).then(() => null) };
  const collector = await local.collector();
  return { tenant, serve, sync: () => collectorPass(collector) };
}

/** One collector pass that must upload the collection; its AdminService requests and its bytes on the wire. */
async function collectorPass(collector: Collector): Promise<CollectorPass> {
  const before = collector.app.traffic().uploadBytes;
  const pass = await collector.once();
  expect(pass.collections).toEqual([expect.objectContaining({ collectionId: DEVICE_COLLECTION, result: "uploaded" })]);
  return { adminServiceRequests: pass.adminServiceRequests, uploadBytes: collector.app.traffic().uploadBytes - before };
}

/** The mapping's `count`-th finished run, as the API shows it. */
async function nthRun(site: Site, count: number) {
  const runs = await runsFinished(site.serve, DEVICE_COLLECTION, GROUP_ID, count, SYNC_WAIT_MS);
  expect(runs).toHaveLength(count);
  return runs[0] as { status: string; graphRequests: number; adminServiceRequests: number; counts?: { added: number } };
}

/** How many are missing from the group and how many should not be there, with a few of each to look up. */
function groupAgainst(site: Site, expected: readonly string[]) {
  const held = new Set(site.tenant.groupMemberIds(GROUP_ID));
  const wanted = new Set(expected);
  const missing = expected.filter((id) => !held.has(id));
  const unexpected = [...held].filter((id) => !wanted.has(id));
  return { missing: missing.length, unexpected: unexpected.length, examples: [...missing, ...unexpected].slice(0, 5) };
}

describe.each(["adminservice", "pushed"] as const)("a collection of thousands of devices (S7, small), SOURCE_MODE=%s", (mode) => {
  it(
    "fills an empty group with every Entra-joined member; a change of hundreds then costs Graph and AdminService requests in proportion to the change",
    { timeout: 2 * SYNC_WAIT_MS + 30_000 },
    async () => {
      // The sizes this test owes its meaning to: more own writes than are left to the next tick's delta, more members than one Graph page.
      expect(ENTRA_JOINED).toBeGreaterThan(Math.max(FOLLOW_DELTA_ABOVE, PAGE_SIZE));
      const site = await startSite(mode);

      await site.sync();
      const first = await nthRun(site, 1);
      expect(first.status).toBe("succeeded");
      expect(groupAgainst(site, entraJoined(members))).toEqual({ missing: 0, unexpected: 0, examples: [] });

      site.tenant.setCollectionMembers(
        DEVICE_COLLECTION,
        [...members, ...joining].map((d) => d.system.ResourceId),
      );
      const pass = await site.sync();
      const change = await nthRun(site, 2);

      expect(change.status).toBe("succeeded");
      expect(change.counts?.added).toBe(JOINING_ENTRA);
      expect(groupAgainst(site, entraJoined([...members, ...joining]))).toEqual({ missing: 0, unexpected: 0, examples: [] });
      expect(change.graphRequests).toBeLessThanOrEqual(graphBound(JOINING));
      const adminServiceRequests = mode === "pushed" ? (pass?.adminServiceRequests ?? Number.POSITIVE_INFINITY) : change.adminServiceRequests;
      expect(adminServiceRequests).toBeLessThanOrEqual(adminServiceBound(members.length + JOINING, JOINING));
      // The collector sends only the members that joined, not the collection again.
      if (mode === "pushed") expect(pass?.uploadBytes).toBeLessThanOrEqual(changeBytesBound(JOINING));
    },
  );
});

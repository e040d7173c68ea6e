import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildCollector } from "../../cli/commands/collectCommand.js";
import type { ServeHandle } from "../../cli/commands/serveCommand.js";
import { silentLogger } from "../../shared/logger.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { startFakeAdminService } from "../configmgr/fakeAdminService.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { groupBecomes } from "../support/groupPolling.js";
import { startPushedServe } from "../support/pushedServe.js";

/**
 * The Done-when of pushed mode against an AdminService written apart from our simulator: lower-case property
 * names, bare entities for keyed reads, .NET's seven fractional digits with an offset, and no paging hints.
 * Whatever it answers, a short read or a change time far in the future never costs the group a member, and a
 * later honest pass is applied.
 */
const devices = range(1, 40).map((n) => entraDevice(n));
const objectIds = (from: number, to: number) =>
  range(from, to)
    .map((n) => devices[n - 1]?.objectId ?? "")
    .sort();

/** What the fake site says at the moment: the collection's row, and the members it lists. */
interface Site {
  memberCount: number;
  lastMemberChangeTime: string;
  members: number[];
}

let tenant: SimulatedTenant;
let serve: ServeHandle;
let dataDir: string;
let site: Site;
let adminService: Awaited<ReturnType<typeof startFakeAdminService>>;

beforeEach(async () => {
  tenant = await startSimulatedTenant({ seed: scenarioSeed({ collection: devices.slice(0, 25), others: devices.slice(25) }) });
  dataDir = mkdtempSync(join(tmpdir(), "collection-sync-independent-"));
  serve = await startPushedServe(tenant, dataDir);
  site = { memberCount: 25, lastMemberChangeTime: "2026-11-01T09:00:00.1234567+01:00", members: range(1, 25) };
  adminService = await startFakeAdminService((url) => {
    const path = decodeURIComponent(url.pathname);
    const filter = url.searchParams.get("$filter") ?? "";
    const row = {
      collectionid: DEVICE_COLLECTION,
      name: "Autopilot devices",
      collectiontype: 2,
      membercount: site.memberCount,
      lastmemberchangetime: site.lastMemberChangeTime,
    };
    if (path.endsWith(`SMS_Collection('${DEVICE_COLLECTION}')`)) return { body: { "@odata.context": "$metadata#SMS_Collection/$entity", ...row } };
    if (path.endsWith("SMS_Collection")) return { body: { value: [row] } };
    const skip = Number(url.searchParams.get("$skip") ?? 0);
    const top = Number(url.searchParams.get("$top") ?? 1000);
    if (path.endsWith("SMS_FullCollectionMembership")) {
      const rows = site.members.map((n) => ({
        collectionid: DEVICE_COLLECTION,
        resourceid: 16_777_000 + n,
        resourcetype: 5,
        name: `PC-${String(n).padStart(5, "0")}`,
      }));
      return { body: { value: rows.slice(skip, skip + top) } };
    }
    if (path.endsWith("SMS_R_System")) {
      const rows = devices
        .filter((d) => askedFor(filter, d.system.ResourceId))
        .map((d) => ({ resourceid: d.system.ResourceId, name: d.system.Name, aaddeviceid: d.system.AADDeviceID }));
      return { body: { value: skip > 0 ? [] : rows } };
    }
    return { status: 404, body: { error: { code: "NotFound", message: "no such class" } } };
  });
});

afterEach(async () => {
  await adminService.close();
  await serve.close();
  await tenant.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Whether a look-up filter (`eq`, `in (…)`, `ge … and … le …` chains joined by `or`) names this resource id. */
function askedFor(filter: string, id: number): boolean {
  return filter.split(/\bor\b/i).some((clause) => {
    const low = /\bge\s+(\d+)/i.exec(clause);
    const high = /\ble\s+(\d+)/i.exec(clause);
    if (low !== null && high !== null) return id >= Number(low[1]) && id <= Number(high[1]);
    return (clause.match(/\d{8,}/g) ?? []).map(Number).includes(id);
  });
}

async function pass() {
  const collector = await buildCollector({
    env: { ADMINSERVICE_URL: adminService.baseUrl },
    appUrl: serve.url,
    log: silentLogger,
    name: "CM01",
    dataDir: join(dataDir, "collector"),
  });
  return collector.once();
}

describe("pushed mode against an independently written AdminService", () => {
  it("keeps every member through a short read and a far-future change time, then applies the honest pass", async () => {
    const created = await fetch(`${serve.url}/api/mappings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed", memberType: "device" }),
    });
    expect(created.status).toBe(201);
    expect((await pass()).collections[0]).toMatchObject({ result: "uploaded", members: 25 });
    await groupBecomes(tenant, GROUP_ID, objectIds(1, 25));
    const deletes = () => tenant.requestLog.filter((e) => e.method === "DELETE").length;

    // The site lists 20 members while SMS_Collection says 25 (and its membership changed).
    site = { memberCount: 25, lastMemberChangeTime: "2026-11-02T09:00:00.5+01:00", members: range(1, 20) };
    const short = await pass();
    expect(short.collections[0]).toMatchObject({ result: "failed" });
    expect(short.collections[0]?.message).toMatch(/20 members .* announced 25|MemberCount 25/);

    // The site reports a change in the year 9999.
    site = { memberCount: 20, lastMemberChangeTime: "9999-12-31T23:59:59.9999999+00:00", members: range(1, 20) };
    const future = await pass();
    expect(future.collections[0]?.message).toMatch(/in the future/);
    await groupBecomes(tenant, GROUP_ID, objectIds(1, 25));
    expect(deletes()).toBe(0);

    // Honest again: 3..30, with a change time in an offset without a colon.
    site = { memberCount: 28, lastMemberChangeTime: "2026-11-03T10:00:00.0000001+0100", members: range(3, 30) };
    expect((await pass()).collections[0]).toMatchObject({ result: "uploaded", members: 28 });
    await groupBecomes(tenant, GROUP_ID, objectIds(3, 30));
  });
});

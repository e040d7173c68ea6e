import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ServeHandle } from "../../cli/commands/serveCommand.js";
import { createAppClient, noAuth } from "../../shared/collector/appClient.js";
import { collectOnce, newPendingUploads } from "../../shared/collector/collectPass.js";
import type { CollectionInfo, MembershipSourceProvider, SourceUser } from "../../shared/core/ports/membershipSource.js";
import { silentLogger } from "../../shared/logger.js";
import { systemClock } from "../../shared/core/ports/clock.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { USER_COLLECTION, USER_GROUP_ID, range, scenarioSeed } from "../support/fixtures.js";
import { startPushedServe } from "../support/pushedServe.js";

/**
 * The collector's own check, before anything is sent: a source adapter that hands back fewer rows than the
 * collection's MemberCount (a bug, or an AdminService the adapter trusted) is not uploaded. The source here is
 * a stand-in (`fakeUserSource`): the real adapter refuses such a read itself before the collector could.
 */
function fakeUserSource(info: CollectionInfo, users: SourceUser[], rowsRead: number): MembershipSourceProvider {
  return {
    open: () => ({
      getCollection: async () => info,
      readDeviceMembers: async () => [],
      readUserMembers: async () => users,
      rowsRead: () => rowsRead,
      requestCount: () => 0,
    }),
  };
}

let tenant: SimulatedTenant;
let serve: ServeHandle;
let dataDir: string;

beforeEach(async () => {
  tenant = await startSimulatedTenant({ seed: scenarioSeed({ collection: [] }) });
  dataDir = mkdtempSync(join(tmpdir(), "collection-sync-collector-refusals-"));
  serve = await startPushedServe(tenant, dataDir);
});

afterEach(async () => {
  await serve.close();
  await tenant.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the collector refuses to upload a read that does not add up", () => {
  it("says so for a user collection whose membership rows fall short of MemberCount, and sends no part", async () => {
    const created = await fetch(`${serve.url}/api/mappings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ collectionId: USER_COLLECTION, groupId: USER_GROUP_ID, memberType: "user" }),
    });
    expect(created.status).toBe(201);
    const info: CollectionInfo = { id: USER_COLLECTION, name: "Sales users", type: "user", memberCount: 12, lastMemberChangeTime: "2026-11-01T08:00:00Z" };
    const users = range(1, 10).map((n): SourceUser => ({
      resourceId: 2_063_000 + n,
      name: `user${n}`,
      userPrincipalName: `user${n}@contoso.com`,
      entraObjectId: null,
    }));
    const app = createAppClient({ baseUrl: serve.url, auth: noAuth, retries: 0 });
    const deps = { app, clock: systemClock, log: silentLogger, collectorName: "CM01", pending: newPendingUploads() };

    const short = await collectOnce({ ...deps, sources: fakeUserSource(info, users, 10) });

    expect(short.collections[0]).toMatchObject({ result: "failed", uploadBytes: 0 });
    expect(short.collections[0]?.message).toContain("Not uploaded: the read holds 10 membership rows but the collection reports MemberCount 12");
    expect(app.traffic().uploadBytes).toBe(0);

    // Two user groups among the 12 rows: the 10 users add up, and go up.
    const whole = await collectOnce({ ...deps, sources: fakeUserSource(info, users, 12) });
    expect(whole.collections[0]).toMatchObject({ result: "uploaded", members: 10 });
  });
});

import { afterEach, describe, expect, it } from "vitest";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { createAdminServiceSourceProvider } from "../../shared/configmgr/adminServiceSource.js";
import { createGraphDirectoryProvider } from "../../shared/graph/graphDirectoryProvider.js";
import { silentLogger } from "../../shared/logger.js";
import { systemClock } from "../../shared/core/ports/clock.js";
import { syncMapping } from "../../shared/sync/syncMapping.js";
import type { SyncDeps } from "../../shared/sync/syncDeps.js";
import { simulatorToken, startSimulatedTenant } from "../../simulator/index.js";
import { freshStores } from "../storage/freshStores.js";
import {
  DEVICE_COLLECTION,
  GROUP_ID,
  OTHER_TENANT_ID,
  TENANT_ID,
  USER_COLLECTION,
  USER_GROUP_ID,
  entraDevice,
  entraUser,
  range,
  scenarioSeed,
} from "../support/fixtures.js";
import { newMapping } from "../support/newMapping.js";
import { startSyncHarness, type SyncHarness } from "../support/syncHarness.js";

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("user collections", () => {
  it("resolves users by Entra object id where discovery recorded it, else by UPN, and skips the rest by reason", async () => {
    const byObjectId = entraUser(1, { withObjectId: true });
    const byUpn = entraUser(2);
    const noIdentity = entraUser(3, { withUpn: false });
    const notInEntra = entraUser(4, { inEntra: false });
    const disabled = entraUser(5, { accountEnabled: false });
    harness = await startSyncHarness({ seed: scenarioSeed({ users: [byObjectId, byUpn, noIdentity, notInEntra, disabled] }) });
    const ref = { collectionId: USER_COLLECTION, groupId: USER_GROUP_ID };
    await harness.addMapping({ ...ref, memberType: "user" });

    const run = await harness.sync(ref);

    expect(run.status).toBe("succeeded");
    expect(run.counts).toMatchObject({ source: 5, resolved: 2, added: 2 });
    expect(run.counts.skipped).toMatchObject({ "no-entra-id": 1, "not-found": 1, disabled: 1 });
    expect(new Set(harness.tenant.groupMemberIds(USER_GROUP_ID))).toEqual(new Set([byObjectId.objectId, byUpn.objectId]));
  });

  it("refuses to sync a user collection into a mapping that expects devices", async () => {
    harness = await startSyncHarness({ seed: scenarioSeed({ users: [entraUser(1)] }) });
    const ref = { collectionId: USER_COLLECTION, groupId: GROUP_ID };
    await harness.addMapping({ ...ref, memberType: "device" });
    const run = await harness.sync(ref);
    expect(run.status).toBe("failed");
    expect(run.errors[0]?.code).toBe("unsupported-collection-type");
  });
});

describe("hybrid-joined devices", () => {
  it("are synced only when the mapping opts in; registered devices never are", async () => {
    const joined = entraDevice(1);
    const hybrid = entraDevice(2, { trustType: "ServerAd" });
    const registered = entraDevice(3, { trustType: "Workplace" });
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: [joined, hybrid, registered] }) });
    const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
    await harness.addMapping(ref);
    expect((await harness.sync(ref)).counts.skipped["hybrid-joined"]).toBe(1);
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toEqual([joined.objectId]);

    const mapping = await harness.stores.mappings.get(ref);
    await harness.stores.mappings.update({ ...mapping!, includeHybridJoined: true });
    const run = await harness.sync(ref);

    expect(run.counts).toMatchObject({ added: 1, alreadyPresent: 1 });
    expect(run.counts.skipped["registered-device"]).toBe(1);
    expect(new Set(harness.tenant.groupMemberIds(GROUP_ID))).toEqual(new Set([joined.objectId, hybrid.objectId]));
  });
});

describe("delivery", () => {
  it("ends in the same state with no duplicate writes when the same job is replayed", async () => {
    const devices = range(1, 45).map((n) => entraDevice(n));
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices }) });
    const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
    await harness.addMapping({ ...ref, mode: "managed" });

    await harness.sync(ref);
    const patches = harness.graphCalls("PATCH", `/groups/${GROUP_ID}`);
    const replay = await harness.sync(ref);

    expect(replay.counts.added).toBe(0);
    expect(harness.graphCalls("PATCH", `/groups/${GROUP_ID}`)).toBe(patches);
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toHaveLength(45);
  });

  it("lets one of two workers on the same mapping run, and the other stands down", async () => {
    const devices = range(1, 45).map((n) => entraDevice(n));
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices }), simulator: { latencyMs: 20 } });
    const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
    await harness.addMapping(ref);

    const runs = await Promise.all([harness.sync(ref, { workerId: "worker-1" }), harness.sync(ref, { workerId: "worker-2" })]);

    expect(runs.map((r) => r.status).sort()).toEqual(["skipped-leased", "succeeded"]);
    expect(harness.graphCalls("PATCH", `/groups/${GROUP_ID}`)).toBe(3);
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toHaveLength(45);
  });
});

describe("several tenants", () => {
  // Budget separation per tenant is checked at the adapter level: test/graph/throttling.test.ts "tenants".
  it("syncs a mapping on a second tenant with that tenant's own credentials, its writes attributed to that tenant", async () => {
    const home = entraDevice(1);
    const remote = entraDevice(2);
    const seed = scenarioSeed({ collection: [home, remote] });
    const homeTenant = seed.tenants[0]!;
    seed.tenants.push({ ...structuredClone(homeTenant), tenantId: OTHER_TENANT_ID });
    const tenant = await startSimulatedTenant({ seed });
    const asked: Array<string | null> = [];
    const credentialFor = (tenantId: string | null): TokenCredential => {
      asked.push(tenantId);
      return { getToken: async (): Promise<AccessToken> => ({ token: simulatorToken(tenantId ?? TENANT_ID), expiresOnTimestamp: Date.now() + 3_600_000 }) };
    };
    const stores = freshStores();
    const deps: SyncDeps = {
      mappings: stores.mappings,
      sources: createAdminServiceSourceProvider({ baseUrl: tenant.adminServiceUrl }),
      directories: createGraphDirectoryProvider({ baseUrl: tenant.graphBaseUrl, credentialFor, maxConcurrency: 4, clock: systemClock, log: silentLogger }),
      state: stores.state,
      runs: stores.runs,
      ledger: stores.ledger,
      resolution: stores.resolution,
      clock: systemClock,
      log: silentLogger,
      policy: {
        removalThresholdPercent: 20,
        removalThresholdCount: 500,
        timeBudgetMs: 60_000,
        leaseMs: 120_000,
        resolutionTtlMs: 60_000,
        snapshotMaxAgeMs: 30 * 60_000,
      },
    };
    try {
      await stores.mappings.create(newMapping({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID }));
      const remoteGroup = "a0a0a0a0-0000-4000-8000-000000000002";
      tenant.addGroup({ id: remoteGroup, displayName: "Remote devices" }, OTHER_TENANT_ID);
      await stores.mappings.create(newMapping({ collectionId: DEVICE_COLLECTION, groupId: remoteGroup, tenantId: OTHER_TENANT_ID }));

      const homeRun = await syncMapping(deps, { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, trigger: "manual" });
      const remoteRun = await syncMapping(deps, { collectionId: DEVICE_COLLECTION, groupId: remoteGroup, trigger: "manual" });

      expect(homeRun.status).toBe("succeeded");
      expect(remoteRun.status).toBe("succeeded");
      expect(new Set(asked)).toEqual(new Set([null, OTHER_TENANT_ID]));
      expect(tenant.groupMemberIds(GROUP_ID, TENANT_ID)).toHaveLength(2);
      expect(tenant.groupMemberIds(remoteGroup, OTHER_TENANT_ID)).toHaveLength(2);
      const tenantsSeen = new Set(tenant.requestLog.filter((e) => e.service === "graph" && e.kind === "write").map((e) => e.tenantId));
      expect(tenantsSeen).toEqual(new Set([TENANT_ID, OTHER_TENANT_ID]));
    } finally {
      await tenant.close();
    }
  });
});

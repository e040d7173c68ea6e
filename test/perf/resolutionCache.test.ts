import { afterEach, describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { createTableStores } from "../../shared/storage/tableStores.js";
import type { ResolutionEntry } from "../../shared/core/ports/resolutionCache.js";
import { fakeClock } from "../scheduling/fakeClock.js";
import { freshStores } from "../storage/freshStores.js";
import { testTablesConnection, uniqueTablePrefix } from "../support/tables.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { startSyncHarness, type SyncHarness } from "../support/syncHarness.js";
import { syncMapping } from "../../shared/sync/syncMapping.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const key = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const entry = (n: number, checkedAt: number, objectId: string | null = key(1_000_000 + n)): ResolutionEntry => ({
  key: key(n),
  objectId,
  trustType: objectId === null ? null : "AzureAd",
  accountEnabled: objectId === null ? null : true,
  checkedAt,
});

describe("resolution cache", () => {
  it("looks each device up once, answers from the cache until the TTL has passed, then asks Graph again", async () => {
    const devices = range(1, 40).map((n) => entraDevice(n));
    const clock = fakeClock();
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices }), clock });
    const h = harness;
    await h.addMapping(ref);
    const lookups = () => h.graphCalls("GET", "/devices?");
    const reevaluate = () =>
      h.tenant.setCollectionMembers(
        DEVICE_COLLECTION,
        devices.map((d) => d.system.ResourceId),
      );

    await h.sync(ref);
    const afterFirst = lookups();
    clock.advance(DAY - HOUR);
    reevaluate();
    const cached = await h.sync(ref);
    const afterCached = lookups();
    clock.advance(2 * HOUR);
    reevaluate();
    const expired = await h.sync(ref);

    expect(afterFirst).toBe(3); // 40 ids in `in` filters of 15
    expect(cached.status).toBe("succeeded");
    expect(cached.counts).toMatchObject({ resolved: 40, alreadyPresent: 40 });
    expect(afterCached).toBe(afterFirst);
    expect(expired.counts.resolved).toBe(40);
    expect(lookups()).toBe(afterFirst + 3);
  });

  it("remembers what it looked up only after adding the members, so looking them up never delays the adds", async () => {
    const devices = range(1, 30).map((n) => entraDevice(n));
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: devices }) });
    const h = harness;
    await h.addMapping(ref);
    const cache = h.deps.resolution;
    if (cache === null) throw new Error("the harness keeps a resolution cache");
    const groupSizeWhenRemembered: number[] = [];
    const watched = {
      getMany: cache.getMany.bind(cache),
      putMany: async (tenant: string, entries: readonly ResolutionEntry[]) => {
        groupSizeWhenRemembered.push(h.tenant.groupMemberIds(GROUP_ID).length);
        await cache.putMany(tenant, entries);
      },
    };

    const run = await syncMapping({ ...h.deps, resolution: watched }, { ...ref, trigger: "manual" });

    expect(run.counts.added).toBe(30);
    expect(groupSizeWhenRemembered).toEqual([30]);
    // And remembered they are: the next change looks none of them up again.
    const lookups = h.graphCalls("GET", "/devices?");
    h.tenant.setCollectionMembers(
      DEVICE_COLLECTION,
      devices.slice(1).map((d) => d.system.ResourceId),
    );
    await h.sync(ref);
    expect(h.graphCalls("GET", "/devices?")).toBe(lookups);
  });

  it("keeps 20,000 entries in a handful of packed rows and answers all of them", async () => {
    const prefix = uniqueTablePrefix();
    const { resolution } = createTableStores({ connectionString: testTablesConnection() }, { tablePrefix: prefix, resolutionTtlMs: DAY });
    const now = Date.parse("2026-03-01T00:00:00.000Z");
    const entries = range(1, 20_000).map((n) => entry(n, now, n % 10 === 0 ? null : undefined));

    await resolution.putMany("home", entries);
    const found = await resolution.getMany(
      "home",
      entries.map((e) => e.key),
      now + HOUR,
    );

    expect(found.size).toBe(20_000);
    expect(found.get(key(7))).toEqual(entries[6]);
    expect(found.get(key(10))?.objectId).toBeNull();
    const table = TableClient.fromConnectionString(testTablesConnection(), `${prefix}resolution`, { allowInsecureConnection: true });
    let rows = 0;
    for await (const page of table.listEntities({ queryOptions: { select: ["RowKey"] } }).byPage({ maxPageSize: 1000 })) rows += page.length;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(5);
  });

  it("forty runs of one tenant writing at once lose no entry, and the partition is folded back to a few rows", async () => {
    const prefix = uniqueTablePrefix();
    const { resolution } = createTableStores({ connectionString: testTablesConnection() }, { tablePrefix: prefix, resolutionTtlMs: DAY });
    const now = Date.parse("2026-03-01T00:00:00.000Z");
    const runs = range(0, 39).map((r) => range(r * 100 + 1, r * 100 + 100).map((n) => entry(n, now)));

    await Promise.all(runs.map((entries) => resolution.putMany("home", entries)));

    expect(
      (
        await resolution.getMany(
          "home",
          runs.flat().map((e) => e.key),
          now,
        )
      ).size,
    ).toBe(4_000);
    const table = TableClient.fromConnectionString(testTablesConnection(), `${prefix}resolution`, { allowInsecureConnection: true });
    let rows = 0;
    for await (const page of table.listEntities({ queryOptions: { select: ["RowKey"] } }).byPage({ maxPageSize: 1000 })) rows += page.length;
    // One row per run appended; past 32 rows a writer folds them into one.
    expect(rows).toBeLessThan(40);
  });

  it("does not read back and rewrite a large collection's entries in the run that wrote them (full rows call for no fold)", async () => {
    const prefix = uniqueTablePrefix();
    const { resolution } = createTableStores({ connectionString: testTablesConnection() }, { tablePrefix: prefix, resolutionTtlMs: DAY });
    const now = Date.parse("2026-03-01T00:00:00.000Z");
    // 40 full rows: past the 32 rows that small appends may leave, yet nothing to fold.
    await resolution.putMany(
      "home",
      range(1, 160_000).map((n) => entry(n, now)),
    );
    const table = TableClient.fromConnectionString(testTablesConnection(), `${prefix}resolution`, { allowInsecureConnection: true });
    const rowKeys: string[] = [];
    for await (const row of table.listEntities({ queryOptions: { select: ["RowKey"] } })) rowKeys.push(row.rowKey ?? "");
    expect(rowKeys).toHaveLength(40);
    expect(rowKeys.some((rowKey) => rowKey.startsWith("~"))).toBe(false);
  });

  it("folds a partition once entries looked up again have doubled it, keeping the newest of each", async () => {
    const prefix = uniqueTablePrefix();
    const { resolution } = createTableStores({ connectionString: testTablesConnection() }, { tablePrefix: prefix, resolutionTtlMs: DAY });
    const now = Date.parse("2026-03-01T00:00:00.000Z");
    const table = TableClient.fromConnectionString(testTablesConnection(), `${prefix}resolution`, { allowInsecureConnection: true });
    const rows = async () => {
      let count = 0;
      for await (const page of table.listEntities({ queryOptions: { select: ["RowKey"] } }).byPage({ maxPageSize: 1000 })) count += page.length;
      return count;
    };
    // 33 small appends: the partition is folded once and knows its size (6,600 entries).
    for (let r = 0; r < 33; r++)
      await resolution.putMany(
        "home",
        range(r * 200 + 1, r * 200 + 200).map((n) => entry(n, now)),
      );
    const afterFirstFold = await rows();
    expect(afterFirstFold).toBeLessThanOrEqual(3);
    // The same 6,600 looked up again, twice, in full rows: duplicates pile up until they double the partition.
    await resolution.putMany(
      "home",
      range(1, 6_600).map((n) => entry(n, now + HOUR)),
    );
    const withDuplicates = await rows();
    expect(withDuplicates).toBeGreaterThan(afterFirstFold);
    await resolution.putMany(
      "home",
      range(1, 6_600).map((n) => entry(n, now + 2 * HOUR, key(2_000_000 + n))),
    );
    expect(await rows()).toBeLessThanOrEqual(afterFirstFold);
    const found = await resolution.getMany("home", [key(5)], now + 2 * HOUR);
    expect(found.get(key(5))?.objectId).toBe(key(2_000_005));
  });

  it("loses no entry when two runs of one tenant write the same buckets at once", async () => {
    const { resolution } = freshStores({ resolutionTtlMs: DAY });
    const now = Date.parse("2026-03-01T00:00:00.000Z");
    const first = range(1, 1_500).map((n) => entry(n, now));
    const second = range(1_501, 3_000).map((n) => entry(n, now));

    await Promise.all([resolution.putMany("home", first), resolution.putMany("home", second)]);

    expect(
      (
        await resolution.getMany(
          "home",
          [...first, ...second].map((e) => e.key),
          now,
        )
      ).size,
    ).toBe(3_000);
  });

  it("never answers entries older than the TTL", async () => {
    const { resolution } = freshStores({ resolutionTtlMs: HOUR });
    const t0 = Date.parse("2026-03-01T00:00:00.000Z");
    const old = range(1, 300).map((n) => entry(n, t0));
    await resolution.putMany("home", old);
    const fresh = range(301, 600).map((n) => entry(n, t0 + 2 * HOUR));
    await resolution.putMany("home", fresh);

    const answered = await resolution.getMany(
      "home",
      [...old, ...fresh].map((e) => e.key),
      t0 + 2 * HOUR,
    );

    expect(answered.size).toBe(300);
    expect([...answered.keys()].every((k) => fresh.some((e) => e.key === k))).toBe(true);
  });
});

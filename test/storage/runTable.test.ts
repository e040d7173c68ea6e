import { describe, expect, it } from "vitest";
import { ValidationError } from "../../shared/errors.js";
import { runToEntity, type StoredRunPreview } from "../../shared/storage/runEntity.js";
import { emptyCounts, type SyncRun } from "../../shared/core/syncRun.js";
import { freshStores } from "./freshStores.js";

const KEY = "PS100012_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5";
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function run(startedAt: string, overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    runId: `run-${startedAt.replace(/[^0-9]/g, "")}`,
    mappingKey: KEY,
    collectionId: "PS100012",
    groupId: "0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5",
    tenantId: null,
    mode: "additive",
    trigger: "schedule",
    status: "succeeded",
    startedAt,
    finishedAt: startedAt,
    durationMs: 1234,
    counts: { ...emptyCounts(), source: 3, resolved: 2, added: 2, skipped: { ...emptyCounts().skipped, "no-entra-id": 1 } },
    graphRequests: 4,
    adminServiceRequests: 3,
    throttledWaitMs: 0,
    blockedBy: null,
    message: "Added 2 members",
    errors: [],
    preview: null,
    retryAfterMs: null,
    approvedBy: null,
    ...overrides,
  };
}

const minute = (m: number) => new Date(Date.parse("2026-03-01T00:00:00.000Z") + m * 60_000).toISOString();

describe("run table", () => {
  it("records a run and reads it back unchanged", async () => {
    const { runs } = freshStores();
    const recorded = run(minute(0), {
      status: "blocked",
      blockedBy: "removal-threshold",
      errors: [
        { id: id(1), code: "Request_ResourceNotFound", message: "gone" },
        { code: "x", message: "y" },
      ],
      preview: { toAdd: [id(1)], toRemove: [], skipped: [{ resourceId: 16777220, name: "PC-01", reason: "no-entra-id" }] },
      retryAfterMs: 30_000,
    });
    await runs.record(recorded);
    const page = await runs.list(KEY);
    expect(page.items).toEqual([recorded]);
  });

  it("lists runs newest first, page by page", async () => {
    const { runs } = freshStores();
    await Promise.all([3, 0, 4, 1, 2].map((m) => runs.record(run(minute(m)))));
    const first = await runs.list(KEY, { pageSize: 2 });
    expect(first.items.map((r) => r.startedAt)).toEqual([minute(4), minute(3)]);
    const second = await runs.list(KEY, { pageSize: 2, continuationToken: first.continuationToken });
    expect(second.items.map((r) => r.startedAt)).toEqual([minute(2), minute(1)]);
    const third = await runs.list(KEY, { pageSize: 2, continuationToken: second.continuationToken });
    expect(third.items.map((r) => r.startedAt)).toEqual([minute(0)]);
    expect(third.continuationToken).toBeUndefined();
  });

  it("keeps two runs that started in the same millisecond", async () => {
    const { runs } = freshStores();
    await runs.record(run(minute(0), { runId: "a" }));
    await runs.record(run(minute(0), { runId: "b" }));
    expect((await runs.list(KEY)).items).toHaveLength(2);
  });

  it("stores a huge preview cut to the first 1,000 ids per list and says how many were left out", async () => {
    const { runs } = freshStores();
    const toAdd = Array.from({ length: 5_000 }, (_, i) => id(i));
    const toRemove = Array.from({ length: 1_200 }, (_, i) => id(100_000 + i));
    const skipped = Array.from({ length: 10 }, (_, i) => ({ resourceId: i, name: `PC-${i}`, reason: "not-found" as const }));
    await runs.record(run(minute(0), { status: "preview", preview: { toAdd, toRemove, skipped } }));
    const [stored] = (await runs.list(KEY)).items;
    const preview = stored?.preview as StoredRunPreview;
    expect(preview.toAdd).toEqual(toAdd.slice(0, 1_000));
    expect(preview.toRemove).toEqual(toRemove.slice(0, 1_000));
    expect(preview.skipped).toEqual(skipped);
    expect(preview.truncated).toEqual({ toAdd: 4_000, toRemove: 200, skipped: 0 });
  });

  it("cuts very long member names further so the run still fits one entity", async () => {
    const { runs } = freshStores();
    const skipped = Array.from({ length: 1_000 }, (_, i) => ({ resourceId: i, name: `${"N".repeat(900)}${i}`, reason: "not-found" as const }));
    await runs.record(run(minute(0), { preview: { toAdd: [], toRemove: [], skipped } }));
    const preview = (await runs.list(KEY)).items[0]?.preview as StoredRunPreview;
    expect(preview.skipped.length).toBeLessThan(1_000);
    expect(preview.skipped.length + (preview.truncated?.skipped ?? 0)).toBe(1_000);
  });

  it("never builds a property over 64 KiB or an entity over 1 MiB, whatever the run holds", () => {
    const huge = "h".repeat(200_000);
    const entity = runToEntity(
      run(minute(0), {
        message: huge,
        errors: Array.from({ length: 2_000 }, (_, i) => ({ id: id(i), code: "c", message: huge })),
        preview: {
          toAdd: Array.from({ length: 50_000 }, (_, i) => id(i)),
          toRemove: Array.from({ length: 50_000 }, (_, i) => id(i)),
          skipped: Array.from({ length: 50_000 }, (_, i) => ({ resourceId: i, name: huge.slice(0, 300), reason: "not-found" as const })),
        },
      }),
    );
    // Size rules of the Table service: 4 bytes + keys as UTF-16 + per property 8 bytes + name as UTF-16 + value.
    let bytes = 4 + 2 * (entity.partitionKey.length + entity.rowKey.length);
    for (const [name, value] of Object.entries(entity)) {
      if (name === "partitionKey" || name === "rowKey") continue;
      const valueBytes = typeof value === "string" ? 4 + 2 * value.length : 8;
      expect(valueBytes, name).toBeLessThanOrEqual(64 * 1024);
      bytes += 8 + 2 * name.length + valueBytes;
    }
    expect(bytes).toBeLessThan(1024 * 1024);
    expect(Object.keys(entity).length).toBeLessThanOrEqual(252);
  });

  it("keeps the first errors that fit and counts the rest", async () => {
    const { runs } = freshStores();
    const errors = Array.from({ length: 500 }, (_, i) => ({ id: id(i), code: "Request_BadRequest", message: "x".repeat(2_000) }));
    await runs.record(run(minute(0), { status: "partial", errors }));
    const stored = (await runs.list(KEY)).items[0]?.errors ?? [];
    const last = stored[stored.length - 1];
    expect(last?.code).toBe("errors-truncated");
    expect(last?.message).toBe(`${500 - (stored.length - 1)} more error(s) were not stored`);
    expect(stored[0]?.message.length).toBeLessThanOrEqual(1_000);
  });

  it("deletes a mapping's whole history and nothing else", async () => {
    const { runs } = freshStores();
    const other = "PS100013_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5";
    await Promise.all(Array.from({ length: 130 }, (_, m) => runs.record(run(minute(m)))));
    await runs.record(run(minute(0), { mappingKey: other }));
    await runs.deleteAll(KEY);
    expect((await runs.list(KEY)).items).toEqual([]);
    expect((await runs.list(other)).items).toHaveLength(1);
  });

  it("rejects a mappings-list token and a run id with a forbidden character", async () => {
    const { runs, mappings } = freshStores();
    await expect(runs.record(run(minute(0), { runId: "a/b" }))).rejects.toBeInstanceOf(ValidationError);
    const token = Buffer.from(JSON.stringify({ list: "mappings", sdk: Buffer.from('{"nextPartitionKey":"a"}').toString("base64") })).toString("base64url");
    await expect(runs.list(KEY, { continuationToken: token })).rejects.toBeInstanceOf(ValidationError);
    expect((await mappings.list()).items).toEqual([]);
  });
});

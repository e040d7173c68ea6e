import { describe, expect, it } from "vitest";
import { ConcurrencyError, ValidationError } from "../../shared/errors.js";
import { freshStores } from "./freshStores.js";

const KEY = "PS100012_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5";
const NOW = Date.parse("2026-02-01T12:00:00.000Z");
const TTL = 10 * 60 * 1000;

describe("mapping state table", () => {
  it("starts from the initial state when nothing is stored", async () => {
    const { state } = freshStores();
    const initial = await state.get(KEY);
    expect(initial).toMatchObject({ mappingKey: KEY, lease: null, etag: null, consecutiveFailures: 0, health: "healthy" });
  });

  it("saves and reads back watermark, guard and approval details", async () => {
    const { state } = freshStores();
    const saved = await state.save({
      ...(await state.get(KEY)),
      watermark: { collectionMemberCount: 42, collectionLastMemberChangeTime: "2026-01-31T08:00:00Z", mappingFingerprint: "additive|false" },
      lastRunAt: "2026-02-01T11:55:00.000Z",
      lastRunStatus: "blocked",
      lastSuccessSourceCount: 42,
      consecutiveFailures: 2,
      health: "degraded",
      blocked: { guard: "removal-threshold", message: "would remove 600", fingerprint: "abc", removeCount: 600, at: "2026-02-01T11:55:00.000Z" },
      approval: { by: "admin@contoso.com", at: "2026-02-01T11:58:00.000Z", fingerprint: "abc" },
    });
    expect(saved.etag).not.toBeNull();
    expect(await state.get(KEY)).toEqual(saved);
  });

  it("refuses a save over someone else's newer write", async () => {
    const { state } = freshStores();
    const first = await state.save(await state.get(KEY));
    await state.save({ ...first, consecutiveFailures: 1 });
    await expect(state.save({ ...first, consecutiveFailures: 5 })).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(state.save({ ...first, etag: null })).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await state.get(KEY)).consecutiveFailures).toBe(1);
  });

  it("lets exactly one of two concurrent workers take a free lease", async () => {
    const { state } = freshStores();
    const [a, b] = await Promise.all([state.acquireLease(KEY, "worker-a", TTL, NOW), state.acquireLease(KEY, "worker-b", TTL, NOW)]);
    const winners = [a, b].filter((s) => s !== null);
    expect(winners).toHaveLength(1);
    expect((await state.get(KEY)).lease).toEqual(winners[0]?.lease);
  });

  it("lets exactly one of many concurrent workers take over an expired lease", async () => {
    const { state } = freshStores();
    await state.acquireLease(KEY, "crashed-worker", TTL, NOW);
    const later = NOW + TTL + 1;
    const results = await Promise.all(["w1", "w2", "w3", "w4"].map((w) => state.acquireLease(KEY, w, TTL, later)));
    const winners = results.filter((s) => s !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.lease).toEqual({ owner: (await state.get(KEY)).lease?.owner, expiresAt: later + TTL });
  });

  it("keeps a live lease from another worker and renews its own", async () => {
    const { state } = freshStores();
    await state.acquireLease(KEY, "worker-a", TTL, NOW);
    expect(await state.acquireLease(KEY, "worker-b", TTL, NOW + TTL - 1)).toBeNull();
    const renewed = await state.acquireLease(KEY, "worker-a", TTL, NOW + 1000);
    expect(renewed?.lease).toEqual({ owner: "worker-a", expiresAt: NOW + 1000 + TTL });
  });

  it("takes over an expired lease", async () => {
    const { state } = freshStores();
    await state.acquireLease(KEY, "crashed-worker", TTL, NOW);
    const taken = await state.acquireLease(KEY, "worker-b", TTL, NOW + TTL);
    expect(taken?.lease).toEqual({ owner: "worker-b", expiresAt: NOW + 2 * TTL });
  });

  it("releases a lease by saving the state without it", async () => {
    const { state } = freshStores();
    const held = await state.acquireLease(KEY, "worker-a", TTL, NOW);
    expect(held).not.toBeNull();
    await state.save({ ...held!, lease: null });
    expect(await state.acquireLease(KEY, "worker-b", TTL, NOW)).not.toBeNull();
  });

  it("deletes the state, and deleting again is fine", async () => {
    const { state } = freshStores();
    await state.acquireLease(KEY, "worker-a", TTL, NOW);
    await state.delete(KEY);
    await state.delete(KEY);
    expect((await state.get(KEY)).etag).toBeNull();
  });

  it("refuses a mapping key Table Storage cannot hold", async () => {
    const { state } = freshStores();
    await expect(state.acquireLease("PS100012/x", "w", TTL, NOW)).rejects.toBeInstanceOf(ValidationError);
  });
});

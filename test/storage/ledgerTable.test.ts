import { describe, expect, it } from "vitest";
import { ValidationError } from "../../shared/errors.js";
import { freshStores } from "./freshStores.js";

const KEY = "PS100012_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5";
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `00000000-0000-4000-8000-${String(from + i).padStart(12, "0")}`);

describe("ledger table", () => {
  it("records more than one transaction's worth of members, idempotently", async () => {
    const { ledger } = freshStores();
    await ledger.add(KEY, ids(0, 250));
    await ledger.add(KEY, ids(200, 320)); // 50 already there
    const members = await ledger.list(KEY);
    expect(members.size).toBe(320);
    expect(members).toEqual(new Set(ids(0, 320)));
  });

  it("loses no member when two writers create the same new rows at once (their transactions collide)", async () => {
    const { ledger } = freshStores();
    await Promise.all([ledger.add(KEY, ids(0, 2_500)), ledger.add(KEY, ids(2_500, 5_000))]);
    expect(await ledger.list(KEY)).toEqual(new Set(ids(0, 5_000)));
  });

  it("removes members, ignoring ones that are not recorded", async () => {
    const { ledger } = freshStores();
    await ledger.add(KEY, ids(0, 150));
    await ledger.remove(KEY, [...ids(100, 150), ...ids(500, 560)]); // 60 never recorded
    await ledger.remove(KEY, ids(120, 130)); // already removed
    expect(await ledger.list(KEY)).toEqual(new Set(ids(0, 100)));
  });

  it("keeps mappings apart and deletes one mapping's ledger", async () => {
    const { ledger } = freshStores();
    const other = "PS100013_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5";
    await ledger.add(KEY, ids(0, 120));
    await ledger.add(other, ids(0, 3));
    await ledger.deleteAll(KEY);
    expect((await ledger.list(KEY)).size).toBe(0);
    expect((await ledger.list(other)).size).toBe(3);
  });

  it("tolerates the same id twice in one call", async () => {
    const { ledger } = freshStores();
    await ledger.add(KEY, [...ids(0, 5), ...ids(0, 5)]);
    expect((await ledger.list(KEY)).size).toBe(5);
  });

  it("writes nothing when one id holds a forbidden character", async () => {
    const { ledger } = freshStores();
    await expect(ledger.add(KEY, [...ids(0, 150), "bad#id"])).rejects.toBeInstanceOf(ValidationError);
    expect((await ledger.list(KEY)).size).toBe(0);
  });
});

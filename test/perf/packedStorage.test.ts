import { describe, expect, it } from "vitest";
import { decodeIds, decodeManyIds, encodeIds, encodeManyIds, PackingError, toProperties, fromProperties, ENTITY_BYTES } from "../../shared/storage/packing.js";
import { freshStores } from "../storage/freshStores.js";

const KEY = "PS100012_0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5";
const id = (n: number) => `d0000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const ids = (count: number) => Array.from({ length: count }, (_, i) => id(i));

describe("packed ids", () => {
  it("stores a Graph object id in 17 bytes and gives back exactly what went in, odd ids included", () => {
    const odd = [
      "Not-A-GUID",
      "D0000000-0000-4000-8000-00000000000A",
      "g0000000-0000-4000-8000-00000000000a",
      "d00000000-000-4000-8000-00000000000a",
      "d0000000-0000-4000-8000-00000000000é",
      "anne_fabrikam.com#EXT#@contoso.onmicrosoft.com",
      "",
    ];
    const packed = encodeIds([...ids(1_000), ...odd]);

    expect(decodeIds(packed)).toEqual(new Set([...ids(1_000), ...odd]));
    expect(encodeIds(ids(1_000)).length).toBe(17_000);
  });

  it("lets other work run while a large group is packed and unpacked, and packs it exactly as in one go", async () => {
    const group = ids(12_000);
    let turnsTaken = 0;
    setImmediate(() => turnsTaken++);
    const packed = await encodeManyIds(group);
    setImmediate(() => turnsTaken++);
    const unpacked = await decodeManyIds(packed);

    expect(turnsTaken).toBe(2);
    expect(packed.equals(encodeIds(group))).toBe(true);
    expect(unpacked).toEqual(decodeIds(packed));
    expect(unpacked.size).toBe(12_000);
  });

  it("refuses bytes that were cut short instead of inventing ids", () => {
    const packed = encodeIds(ids(3));
    expect(() => decodeIds(packed.subarray(0, packed.length - 1))).toThrow(PackingError);
  });

  it("splits one entity's bytes over properties of at most 60,000 bytes", () => {
    const data = Buffer.alloc(ENTITY_BYTES, 7);
    const properties = toProperties(data);

    expect(properties["parts"]).toBe(10);
    expect(fromProperties(properties)?.equals(data)).toBe(true);
    expect(() => toProperties(Buffer.alloc(ENTITY_BYTES + 1))).toThrow(RangeError);
  });
});

describe("group member snapshots", () => {
  it("keeps 40,000 members in two rows and reads back exactly that generation", async () => {
    const { state } = freshStores();
    const snapshots = state.snapshots!;
    const members = new Set(ids(40_000));

    const generation = await snapshots.write(KEY, members);
    const back = await snapshots.read(KEY, generation, members.size);

    expect(back).toEqual(members);
  });

  it("treats a snapshot whose member count does not match the state's as missing (a full read follows)", async () => {
    const { state } = freshStores();
    const snapshots = state.snapshots!;
    const generation = await snapshots.write(KEY, new Set(ids(10)));

    expect(await snapshots.read(KEY, generation, 11)).toBeNull();
    expect(await snapshots.read(KEY, "no-such-generation", 10)).toBeNull();
  });

  it("prunes the generations the state no longer points at, and deleting the state deletes them all", async () => {
    const { state } = freshStores();
    const snapshots = state.snapshots!;
    const old = await snapshots.write(KEY, new Set(ids(5)));
    const current = await snapshots.write(KEY, new Set(ids(6)));

    await snapshots.prune(KEY, current);
    const afterPrune = [await snapshots.read(KEY, old, 5), await snapshots.read(KEY, current, 6)];
    await state.delete(KEY);

    expect(afterPrune[0]).toBeNull();
    expect(afterPrune[1]?.size).toBe(6);
    expect(await snapshots.read(KEY, current, 6)).toBeNull();
  });

  it("keeps an empty group as an empty snapshot", async () => {
    const { state } = freshStores();
    const generation = await state.snapshots!.write(KEY, new Set());
    expect(await state.snapshots!.read(KEY, generation, 0)).toEqual(new Set());
  });
});

describe("ledger", () => {
  it("records 20,000 members in packed rows and lists them back", async () => {
    const { ledger } = freshStores();
    const members = ids(20_000);

    await ledger.add(KEY, members);
    await ledger.remove(KEY, members.slice(0, 1_000));

    const listed = await ledger.list(KEY);
    expect(listed.size).toBe(19_000);
    expect(listed.has(id(999))).toBe(false);
    expect(listed.has(id(1_000))).toBe(true);
  });
});

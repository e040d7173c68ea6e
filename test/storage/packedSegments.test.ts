import { describe, expect, it } from "vitest";
import { packRows } from "../../shared/storage/packedSegments.js";
import { ENTITY_BYTES } from "../../shared/storage/packing.js";

const encode = (size: number) => (list: readonly number[]) => Buffer.alloc(list.length * size, 1);

describe("packing cache records into rows", () => {
  it("puts at most the given number of records in a row", () => {
    const rows = packRows(
      Array.from({ length: 9_001 }, (_, i) => i),
      4_000,
      encode(10),
    );
    expect(rows.map((r) => r.data.length / 10)).toEqual([4_000, 4_000, 1_001]);
    expect(rows.map((r) => r.records)).toEqual([4_000, 4_000, 1_001]);
  });

  it("splits a row that would not fit one entity, so no record is dropped", () => {
    // 4,000 records of 200 bytes are 800,000 bytes: more than an entity holds.
    const rows = packRows(
      Array.from({ length: 4_000 }, (_, i) => i),
      4_000,
      encode(200),
    );
    expect(rows.every((r) => r.data.length <= ENTITY_BYTES)).toBe(true);
    expect(rows.reduce((sum, r) => sum + r.data.length / 200, 0)).toBe(4_000);
    expect(rows.reduce((sum, r) => sum + r.records, 0)).toBe(4_000);
  });

  it("refuses a single record larger than an entity instead of looping", () => {
    expect(() => packRows([1], 10, encode(ENTITY_BYTES + 1))).toThrow(RangeError);
  });
});

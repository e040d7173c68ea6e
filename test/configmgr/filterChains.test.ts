import { describe, expect, it } from "vitest";
import { lookupChains, MAX_FILTER_NODES, MAX_TERMS } from "../../shared/configmgr/resourceFilters.js";
import { filterNodeCount, parseFilter } from "../../simulator/index.js";

/** Nodes of a chain as ASP.NET OData's FilterQueryValidator counts them (Convert nodes included). */
const nodesOf = (filter: string) => filterNodeCount(parseFilter(filter));

function scattered(count: number, seed: number): number[] {
  let state = seed;
  const ids = new Set<number>();
  while (ids.size < count) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    ids.add(16_777_216 + (state % 2_000_000));
  }
  return [...ids];
}

const dense = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe("ResourceID filter chains", () => {
  it("counts nodes the way ODataValidationSettings does: 15 eq clauses are 89 nodes, a range 11", () => {
    expect(nodesOf("ResourceID eq 16777216")).toBe(5);
    expect(
      nodesOf(
        dense(16_777_216, 15)
          .map((id) => `ResourceID eq ${id}`)
          .join(" or "),
      ),
    ).toBe(89);
    expect(nodesOf("(ResourceID ge 16777216 and ResourceID le 16777300)")).toBe(11);
    expect(nodesOf("CollectionID eq 'PS100012'")).toBe(4);
  });

  it("keeps every chain within 100 nodes and 15 terms, whatever the ids look like", () => {
    const shapes = [scattered(5000, 7), dense(16_777_216, 5000), [...dense(16_777_216, 700), ...scattered(700, 3), ...dense(16_800_000, 40)], dense(1, 1)];
    for (const ids of shapes) {
      const chains = lookupChains("ResourceID", ids, MAX_FILTER_NODES, 1000);
      for (const chain of chains) {
        expect(nodesOf(chain.filter)).toBeLessThanOrEqual(100);
        expect(nodesOf(chain.filter)).toBe(chain.nodes);
        expect(chain.filter.split(" or ").length).toBeLessThanOrEqual(MAX_TERMS);
      }
      expect(chains.flatMap((c) => c.ids).sort()).toEqual([...new Set(ids)].sort());
    }
  });

  it("asks for scattered ids 15 to a request", () => {
    const chains = lookupChains("ResourceID", scattered(1000, 11), MAX_FILTER_NODES, 1000);
    expect(chains).toHaveLength(Math.ceil(1000 / 15));
    expect(chains.every((c) => /^ResourceID eq \d+( or ResourceID eq \d+)*$/.test(c.filter))).toBe(true);
  });

  it("asks for a dense run with ranges of at most 1,000 ids", () => {
    const chains = lookupChains("ResourceID", dense(16_777_216, 2500), MAX_FILTER_NODES, 1000);
    expect(chains.map((c) => c.filter)).toEqual([
      "(ResourceID ge 16777216 and ResourceID le 16778215)",
      "(ResourceID ge 16778216 and ResourceID le 16779215)",
      "(ResourceID ge 16779216 and ResourceID le 16779715)",
    ]);
  });

  it("takes ids at least half of whose span is wanted as a range, and sparser ones one by one", () => {
    const everyOther = Array.from({ length: 10 }, (_, i) => 100 + 2 * i);
    expect(lookupChains("ResourceID", everyOther, MAX_FILTER_NODES, 1000).map((c) => c.filter)).toEqual(["(ResourceID ge 100 and ResourceID le 118)"]);
    const everyThird = Array.from({ length: 4 }, (_, i) => 100 + 3 * i);
    expect(lookupChains("ResourceID", everyThird, MAX_FILTER_NODES, 1000).map((c) => c.filter)).toEqual([
      "ResourceID eq 100 or ResourceID eq 103 or ResourceID eq 106 or ResourceID eq 109",
    ]);
  });

  it("builds shorter chains for a smaller node budget", () => {
    const chains = lookupChains("ResourceID", scattered(100, 5), 40, 1000);
    for (const chain of chains) expect(nodesOf(chain.filter)).toBeLessThanOrEqual(40);
    expect(chains.every((c) => c.ids.length <= 6)).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { parseOptions } from "../../bench/options.js";

describe("npm run bench options", () => {
  it("runs S7 at 1,000,000 members and a 10,000-member change, in both source modes, with Graph's budget ×50 unless told otherwise", () => {
    expect(parseOptions([])).toMatchObject({ scaleMembers: 1_000_000, scaleChange: 10_000, scaleThrottle: 50, scaleModes: ["adminservice", "pushed"] });
  });

  it("takes S7's size, change, budget multiplier and source modes, in either spelling", () => {
    const options = parseOptions(["--only", "S7", "--s7-members", "20000", "--s7-change=2000", "--s7-scale", "10", "--s7-modes=pushed"]);
    expect(options).toMatchObject({ only: ["S7"], scaleMembers: 20_000, scaleChange: 2_000, scaleThrottle: 10, scaleModes: ["pushed"] });
    expect(parseOptions(["--s7-modes", "Pushed, adminservice,pushed"]).scaleModes).toEqual(["pushed", "adminservice"]);
  });

  it("refuses an unknown source mode, naming the ones it knows and what it got", () => {
    expect(() => parseOptions(["--s7-modes", "adminservice,collector"])).toThrow(/--s7-modes takes adminservice and\/or pushed, got adminservice,collector/);
    expect(() => parseOptions(["--s7-modes"])).toThrow(/--s7-modes takes adminservice and\/or pushed, got nothing/);
  });

  it.each(["0", "2.5", "-1", "lots"])("refuses --s7-scale %s: it needs a whole number ≥ 1", (value) => {
    expect(() => parseOptions(["--s7-scale", value])).toThrow(`--s7-scale needs a whole number ≥ 1, got ${value}`);
  });

  it("refuses an S7 collection of no members", () => {
    expect(() => parseOptions(["--s7-members", "0"])).toThrow("--s7-members needs a whole number ≥ 1, got 0");
  });
});

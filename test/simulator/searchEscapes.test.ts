import { describe, expect, it } from "vitest";
import { matchesSearch, parseSearch } from "../../simulator/graph/groupSearch.js";

describe("simulated $search", () => {
  it('takes \\" and \\\\ inside a clause as escapes, as Graph documents', () => {
    const expression = parseSearch('"displayName:O\\"Brien \\\\ devices"');
    expect(matchesSearch(expression, { displayName: 'O"Brien devices', description: null })).toBe(true);
    expect(matchesSearch(expression, { displayName: "Other devices", description: null })).toBe(false);
  });

  it("still refuses an unterminated clause", () => {
    expect(() => parseSearch('"displayName:abc\\"')).toThrow();
  });
});

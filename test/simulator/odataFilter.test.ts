import { describe, expect, it } from "vitest";
import { equalityValues, evaluate, FilterSyntaxError, orClauseCount, parseFilter } from "../../simulator/odataFilter.js";

const record: Record<string, unknown> = { Name: "O'Brien-PC", ResourceId: 42, IsClient: true, AADDeviceID: null };
const read = (name: string) => record[Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name];
const matches = (text: string) => evaluate(parseFilter(text), read);

describe("OData $filter parser", () => {
  it("evaluates comparisons, logic, in, startswith and '' escaping", () => {
    expect(matches("Name eq 'o''brien-pc'")).toBe(true);
    expect(matches("ResourceId eq 42 and IsClient eq true")).toBe(true);
    expect(matches("ResourceId gt 50 or startswith(Name,'O''B')")).toBe(true);
    expect(matches("not (ResourceId in (1, 2, 3))")).toBe(true);
    expect(matches("AADDeviceID eq null")).toBe(true);
    expect(matches("AADDeviceID ne null")).toBe(false);
    expect(matches("startswith(Name,'x') eq false")).toBe(true);
  });

  it("finds index-friendly equality values and counts OR clauses as Entra does", () => {
    const chain = parseFilter("ResourceId eq 1 or ResourceId eq 2 or ResourceId in (3,4)");
    expect(equalityValues(chain, "resourceid")).toEqual([1, 2, 3, 4]);
    expect(orClauseCount(chain)).toBe(4);
    expect(equalityValues(parseFilter("ResourceId eq 1 and Name eq 'x'"), "ResourceId")).toBeNull();
  });

  it.each([
    "",
    "Name eq",
    "Name eq 'x' or",
    "(Name eq 'x'",
    "Name eq 'x')",
    "Name like 'x'",
    "eq eq eq",
    "Name eq 'open",
    "Name eq 'x' ;drop",
    "startswith(Name)",
  ])("rejects %j with FilterSyntaxError", (text) => {
    expect(() => parseFilter(text)).toThrow(FilterSyntaxError);
  });
});

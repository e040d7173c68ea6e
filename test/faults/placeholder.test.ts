import { describe, expect, it } from "vitest";
import { judgeGroup } from "../../shared/mappings/groupEligibility.js";

// Replaced by the fault and abuse suite (issue 7); keeps `npm run test:faults` meaningful until then.
describe("fault suite bootstrap", () => {
  it("refuses a dynamic group as a target", () => {
    const verdict = judgeGroup(
      { id: "g", displayName: "Dyn", groupTypes: ["DynamicMembership"], securityEnabled: true, mailEnabled: false, onPremisesSyncEnabled: null, isAssignableToRole: null, membershipRule: "x" },
      "device",
    );
    expect(verdict.reason).toBe("dynamic-membership");
  });
});

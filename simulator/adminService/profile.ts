/**
 * How the simulated AdminService answers where Microsoft documents nothing (docs/simulator.md "AdminService
 * profiles"). `STRICT_ADMINSERVICE` is the default: ASP.NET OData's validation defaults (a `$filter` of at most
 * 100 nodes, query options a site did not allow refused) and the class reference's spelling. Tests that check the
 * product copes with other plausible answers start from it and change one field.
 */
export interface AdminServiceProfile {
  /** ODataValidationSettings.MaxNodeCount for `$filter`; null = no limit. */
  readonly maxNodeCount: number | null;
  /** `$count`: refused with a 400 (not an allowed query option), ignored, or answered with `@odata.count`. */
  readonly count: "refuse" | "ignore" | "answer";
  /** A keyed read (`SMS_Collection('<id>')`) answers a bare entity (`$entity`) or a one-row `value` list. */
  readonly keyedRead: "entity" | "list";
  /**
   * Spelling of property names in answers: the class reference's (`ResourceID`), the one community code writes
   * (`ResourceId` on the discovery classes), or all lower case.
   */
  readonly propertyCase: "reference" | "community" | "lower";
  /**
   * `contains()` in `$filter`: standard OData v4 and allowed by ASP.NET OData's defaults (AllowedFunctions), but
   * undocumented for the WMI route, so a site may refuse it with a 400.
   */
  readonly contains: "answer" | "refuse";
}

export const STRICT_ADMINSERVICE: AdminServiceProfile = {
  maxNodeCount: 100,
  count: "refuse",
  keyedRead: "entity",
  propertyCase: "reference",
  contains: "answer",
};

/** The most forgiving answers: no node limit, `$count` answered, `value` lists, community spelling. */
export const LENIENT_ADMINSERVICE: AdminServiceProfile = {
  maxNodeCount: null,
  count: "answer",
  keyedRead: "list",
  propertyCase: "community",
  contains: "answer",
};

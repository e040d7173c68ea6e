/** S6's targets (the on-premises collector end to end), judged from its figures. Pure, so it is unit-tested (test/perf). */
import { atMost, passed, type ScenarioFigures, type Target } from "./figures.js";
import { adminServiceBound } from "./targets.js";

/** S6's figures: the scenario columns plus what the collector itself did. */
export interface CollectorFigures extends ScenarioFigures {
  /** The collector's pass: SMS_Collection, membership, look-ups, parts and commit. */
  readonly collectorMs: number;
  /** From the commit's answer to the group holding the change (the app's event-driven sync). */
  readonly appSyncMs: number;
  /** Part bytes the collector sent (gzip, as on the wire). */
  readonly uploadBytes: number;
  /** Requests the collector made to the app (mapped list, parts, commit). */
  readonly appRequests: number;
  /** Members in the uploaded snapshot. */
  readonly members: number;
  readonly collectorResult: string;
}

/** The S6 limits: the upload stays small, and the whole way takes little more than Graph's write budget forces. */
export const S6_UPLOAD_MIB = 5;
export const S6_WRITE_BUDGET_FACTOR = 2;
export const S6_SLACK_MS = 10_000;

export function judgeCollectorScenario(figures: CollectorFigures, collection: { readonly members: number; readonly changed: number }): Target[] {
  const endToEndLimit = S6_WRITE_BUDGET_FACTOR * figures.throttleMinMs + S6_SLACK_MS;
  return [
    atMost("S6 upload (MiB, gzip)", figures.uploadBytes / (1024 * 1024), S6_UPLOAD_MIB),
    atMost("S6 end to end (s, ≤ 2 × write-budget minimum + 10 s)", figures.wallMs / 1000, endToEndLimit / 1000),
    atMost(
      "S6 collector AdminService requests (⌈N/1,000⌉ + ⌈changed/15⌉ + 3)",
      figures.adminServiceRequests,
      adminServiceBound(collection.members, collection.changed),
    ),
    passed(
      `S6 collector uploaded a snapshot of ${collection.members} members`,
      figures.collectorResult === "uploaded" && figures.members === collection.members,
    ),
  ];
}

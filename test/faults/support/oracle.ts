import { expect } from "vitest";
import { GROUP_ID } from "../../support/fixtures.js";
import { tallyScenario } from "./tally.js";
import { startFaultWorld, type FaultWorld, type Scenario } from "./world.js";

/** Where a mapping ends: the group's members and the ledger of members the app owns. */
export interface Outcome {
  readonly members: Set<string>;
  readonly ledger: Set<string>;
  /** Members the run under test removed (for the oracle: the removals a clean run makes, all of them allowed). */
  readonly removed: Set<string>;
}

/** Steps before the run under test (first syncs, collection changes); they run the same in both worlds. */
export type Prepare = (world: FaultWorld) => Promise<void>;

/**
 * The reference: the same scenario on a fresh tenant, prepared the same way, then one clean run. A run under
 * faults (and whatever recovery runs follow) must end exactly here.
 */
export async function cleanOutcome(scenario: Scenario, prepare: Prepare): Promise<Outcome> {
  const world = await startFaultWorld(scenario);
  try {
    await prepare(world);
    const from = lastSeq(world);
    const run = await world.run();
    if (run.status === "failed" || run.status === "rescheduled") throw new Error(`the clean reference run did not finish: ${run.message}`);
    return { members: world.members(), ledger: await world.ledger(), removed: removedSince(world, from) };
  } finally {
    await world.close();
  }
}

export function lastSeq(world: FaultWorld): number {
  return world.tenant.requestLog.at(-1)?.seq ?? 0;
}

const MEMBER_REF = new RegExp(`^/groups/${GROUP_ID}/members/([^/?]+)/\\$ref`, "i");

function memberDeletes(world: FaultWorld, fromSeq: number) {
  return world.tenant.requestLog.flatMap((entry) => {
    if (entry.seq <= fromSeq || entry.service !== "graph" || entry.method !== "DELETE") return [];
    const id = MEMBER_REF.exec(entry.path)?.[1];
    return id === undefined ? [] : [{ id: id.toLowerCase(), status: entry.status }];
  });
}

/** Members whose removal Graph accepted (204) after request `fromSeq`. */
export function removedSince(world: FaultWorld, fromSeq: number): Set<string> {
  return new Set(
    memberDeletes(world, fromSeq)
      .filter((d) => d.status === 204)
      .map((d) => d.id),
  );
}

export interface Verdict {
  /** In the reference group but not in this one. */
  readonly membersLost: number;
  /** Removed although the clean run did not remove them. */
  readonly wrongfulRemovals: number;
  /** DELETEs of a member that was not there any more (a removal sent twice). */
  readonly duplicateRemovals: number;
  /** PATCHes answered "already exist": the documented, harmless add retry. */
  readonly alreadyMemberRetries: number;
  readonly sameMembers: boolean;
  readonly sameLedger: boolean;
}

/** Compares the world after the faulty run (and its recovery) with the clean reference. */
export async function judge(world: FaultWorld, reference: Outcome, fromSeq: number): Promise<Verdict> {
  const members = world.members();
  const ledger = await world.ledger();
  const deletes = memberDeletes(world, fromSeq);
  const alreadyMemberRetries = world.tenant.requestLog.filter(
    (e) => e.seq > fromSeq && e.service === "graph" && e.method === "PATCH" && e.status === 400,
  ).length;
  return {
    membersLost: [...reference.members].filter((id) => !members.has(id)).length,
    wrongfulRemovals: deletes.filter((d) => d.status === 204 && !reference.removed.has(d.id)).length,
    duplicateRemovals: deletes.filter((d) => d.status === 404).length,
    alreadyMemberRetries,
    sameMembers: sameSet(members, reference.members),
    sameLedger: sameSet(ledger, reference.ledger),
  };
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/**
 * The promise every fault scenario checks: the world ends where a clean run ends (members and ledger), no member
 * is lost, nothing is removed that a clean run keeps, and no removal is sent twice. Tallied for the summary.
 */
export async function expectCleanEnd(scenario: string, world: FaultWorld, reference: Outcome, fromSeq: number): Promise<Verdict> {
  const verdict = await judge(world, reference, fromSeq);
  tallyScenario(scenario, { faultsInjected: world.faultsInjected(), membersLost: verdict.membersLost, wrongfulRemovals: verdict.wrongfulRemovals });
  expect(verdict).toMatchObject({ membersLost: 0, wrongfulRemovals: 0, duplicateRemovals: 0, sameMembers: true, sameLedger: true });
  return verdict;
}

import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { inject } from "vitest";

/** What one scenario contributes to the summary the suite prints at the end (summaryGlobalSetup.ts). */
export interface ScenarioTally {
  readonly faultsInjected?: number;
  readonly inputsTried?: number;
  /** Requests sent by the load test's clients. */
  readonly loadRequests?: number;
  /** Members a clean run keeps or adds that the faulty run left out of the group. */
  readonly membersLost?: number;
  /** Removals a clean run would not have made (a guard should have blocked them, or they were not ours). */
  readonly wrongfulRemovals?: number;
}

export interface TallyLine extends ScenarioTally {
  readonly scenario: string;
}

/**
 * Test files run in separate workers, so their tallies meet in files: one JSON line per scenario, in the folder
 * the global setup hands out, read back once every file has finished.
 */
export function tallyScenario(scenario: string, tally: ScenarioTally): void {
  const line: TallyLine = { scenario, ...tally };
  appendFileSync(join(inject("faultTallyDir"), `tally-${process.pid}-${threadId}.jsonl`), `${JSON.stringify(line)}\n`);
}

declare module "vitest" {
  export interface ProvidedContext {
    faultTallyDir: string;
  }
}

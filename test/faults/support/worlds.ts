import { afterEach } from "vitest";
import { cleanOutcome, lastSeq, type Outcome, type Prepare } from "./oracle.js";
import { startFaultWorld, type FaultWorld, type Scenario } from "./world.js";

type WorldOptions = Parameters<typeof startFaultWorld>[1];

export interface Worlds {
  start(scenario: Scenario, options?: WorldOptions): Promise<FaultWorld>;
  /**
   * The clean reference (cleanOutcome), then the world under test prepared the same way; `from` marks the last
   * request before the run under test.
   */
  startWithReference(scenario: Scenario, prepare: Prepare, options?: WorldOptions): Promise<{ reference: Outcome; world: FaultWorld; from: number }>;
}

/** For a test file: worlds that are closed after each test. */
export function worldsPerTest(): Worlds {
  const open: FaultWorld[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((world) => world.close()));
  });
  const start = async (scenario: Scenario, options?: WorldOptions) => {
    const world = await startFaultWorld(scenario, options);
    open.push(world);
    return world;
  };
  return {
    start,
    async startWithReference(scenario, prepare, options) {
      const reference = await cleanOutcome(scenario, prepare);
      const world = await start(scenario, options);
      await prepare(world);
      return { reference, world, from: lastSeq(world) };
    },
  };
}

/** The S6 tenant (built inside the simulator's process, see simulatorHost.ts). */
import { buildLargeSeed } from "../simulator/index.js";
import type { BenchOptions } from "./options.js";
import { withJoiners, type BenchSeed } from "./seeds.js";

/**
 * S6: a collection of `devices` Entra-joined devices whose group already holds them all (the state a collector
 * and the app reach after their first sync), and `joining` more devices ConfigMgr knows that join the collection
 * before the measured pass.
 */
export function collectorSeed(options: BenchOptions): BenchSeed {
  return withJoiners(buildLargeSeed({ devices: options.devices + options.joining, alreadyInGroup: options.devices }), options.devices);
}

/** The demo tenant (simulator/seeds/demo.json): the collections and groups the README's example uses. */
import demo from "./seeds/demo.json" with { type: "json" };
import type { SimulatorSeed } from "./seed.js";

export const DEMO_TENANT_ID = "c0ffee00-5eed-4d3e-9a10-000000000001";
export const DEMO_DEVICE_COLLECTION = "PS100012";
export const DEMO_USER_COLLECTION = "PS100013";
/** "Autopilot Devices - Cloud Sync": an assigned security group that already holds 3 devices added by hand. */
export const DEMO_GROUP_ID = "f95be452-cf2b-48a6-8e18-9745e9150fe0";

/** A fresh copy each call, so a test may change it freely. */
export function demoSeed(): SimulatorSeed {
  return structuredClone(demo) as SimulatorSeed;
}

/**
 * Runs the simulated tenant on its own, for manual exploration and for pointing `serve` at it:
 *   npx tsx simulator/main.ts [--seed demo|<file.json>] [--large <devices>] [--port 8080] [--latency 20] [--throttle-scale 1]
 */
import { parseArgs } from "node:util";
import { demoSeed } from "./demoSeed.js";
import { buildLargeSeed } from "./largeSeed.js";
import { loadSeedFile, type SimulatorSeed } from "./seed.js";
import { simulatorToken, startSimulatedTenant } from "./simulatedTenant.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "demo" },
    large: { type: "string" },
    port: { type: "string", default: "0" },
    latency: { type: "string", default: "0" },
    "throttle-scale": { type: "string" },
  },
});

const seed: SimulatorSeed = values.large
  ? buildLargeSeed({ devices: Number(values.large), withoutEntraId: Math.floor(Number(values.large) / 100) })
  : values.seed === "demo"
    ? demoSeed()
    : await loadSeedFile(values.seed ?? "");
const scale = values["throttle-scale"];
const tenant = await startSimulatedTenant({
  seed,
  port: Number(values.port),
  latencyMs: Number(values.latency),
  throttle: scale === undefined ? false : { scale: Number(scale) },
});

console.log(`Simulated tenant listening on ${tenant.graphBaseUrl}`);
console.log(`  GRAPH_BASE_URL=${tenant.graphBaseUrl}`);
console.log(`  ADMINSERVICE_URL=${tenant.adminServiceUrl}`);
for (const id of tenant.tenantIds) console.log(`  tenant ${id}: token "${simulatorToken(id)}", base URL ${tenant.graphBaseUrlFor(id)}`);
console.log("Ctrl+C stops it.");

process.once("SIGINT", () => {
  void tenant.close().then(() => process.exit(0));
});

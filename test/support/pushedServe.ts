import { startServe, type ServeHandle } from "../../cli/commands/serveCommand.js";
import { bufferIo } from "../../cli/io.js";
import { silentLogger } from "../../shared/logger.js";
import type { SimulatedTenant } from "../../simulator/index.js";

// Once a year: nothing in a collector test may owe its sync to the timer.
const NO_TICK = "0 0 0 1 1 *";

/** `serve` with SOURCE_MODE=pushed on loopback, Graph on `tenant`: the app a collector uploads to. */
export function startPushedServe(tenant: SimulatedTenant, dataDir: string, env: Record<string, string> = {}): Promise<ServeHandle> {
  return startServe({
    port: 0,
    host: "127.0.0.1",
    env: { SOURCE_MODE: "pushed", GRAPH_BASE_URL: tenant.graphBaseUrl, SYNC_SCHEDULE: NO_TICK, ...env },
    io: bufferIo(),
    log: silentLogger,
    dataDir,
  });
}

import { startServe, type ServeHandle } from "../../cli/commands/serveCommand.js";
import { bufferIo } from "../../cli/io.js";
import { silentLogger } from "../../shared/logger.js";
import type { SimulatedTenant } from "../../simulator/index.js";

// Once a year: nothing in these tests may owe its sync to the timer.
const NO_TICK = "0 0 0 1 1 *";

/** `serve` on loopback with Graph on `tenant` and no timer ticks; `env` says where its members come from. */
export function startLocalServe(tenant: SimulatedTenant, dataDir: string, env: Record<string, string> = {}): Promise<ServeHandle> {
  return startServe({
    port: 0,
    host: "127.0.0.1",
    env: { GRAPH_BASE_URL: tenant.graphBaseUrl, SYNC_SCHEDULE: NO_TICK, ...env },
    io: bufferIo(),
    log: silentLogger,
    dataDir,
  });
}

/** `serve` with SOURCE_MODE=pushed on loopback, Graph on `tenant`: the app a collector uploads to. */
export function startPushedServe(tenant: SimulatedTenant, dataDir: string, env: Record<string, string> = {}): Promise<ServeHandle> {
  return startLocalServe(tenant, dataDir, { SOURCE_MODE: "pushed", ...env });
}

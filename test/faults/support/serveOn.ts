import { startServe, type ServeHandle } from "../../../cli/commands/serveCommand.js";
import { bufferIo } from "../../../cli/io.js";
import { silentLogger } from "../../../shared/logger.js";
import { startSimulatedTenant, type SimulatedTenant, type SimulatorSeed } from "../../../simulator/index.js";

export interface ServedTenant {
  readonly tenant: SimulatedTenant;
  readonly serve: ServeHandle;
  close(): Promise<void>;
}

/** `collection-sync serve` on a free loopback port over a fresh simulated tenant, with its own in-memory storage. */
export async function serveOn(seed: SimulatorSeed): Promise<ServedTenant> {
  const tenant = await startSimulatedTenant({ seed });
  const serve = await startServe({
    port: 0,
    host: "127.0.0.1",
    env: { GRAPH_BASE_URL: tenant.graphBaseUrl, ADMINSERVICE_URL: tenant.adminServiceUrl },
    io: bufferIo(),
    log: silentLogger,
    inMemoryStorage: true,
    schedule: false,
  }).catch(async (error: unknown) => {
    await tenant.close();
    throw error;
  });
  return {
    tenant,
    serve,
    close: async () => {
      await serve.close();
      await tenant.close();
    },
  };
}

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCollector, type Collector, type CollectorOptions } from "../../cli/commands/collectCommand.js";
import type { ServeHandle } from "../../cli/commands/serveCommand.js";
import { silentLogger } from "../../shared/logger.js";
import { startSimulatedTenant, type SimulatedTenant, type SimulatorSeed } from "../../simulator/index.js";
import { startLocalServe } from "./pushedServe.js";

/** A simulated tenant, `serve` on loopback in front of it, and a data folder for the app and a collector. */
export interface LocalSite {
  readonly tenant: SimulatedTenant;
  readonly serve: ServeHandle;
  /** The collector's data folder (its source identity cache). */
  readonly collectorDir: string;
  /** A collector on the site's host: a new one per call, sharing only its data folder (as a restart would). */
  collector(options?: Partial<CollectorOptions>): Promise<Collector>;
  close(): Promise<void>;
}

/**
 * `mode` says where the app's members come from: the tenant's AdminService, read by the app itself, or snapshots a
 * collector uploads (SOURCE_MODE=pushed). `env`: any other setting.
 */
export async function startLocalSite(seed: SimulatorSeed, mode: "adminservice" | "pushed", env: Record<string, string> = {}): Promise<LocalSite> {
  const tenant = await startSimulatedTenant({ seed });
  const dataDir = mkdtempSync(join(tmpdir(), "collection-sync-site-"));
  const close = async (serve?: ServeHandle) => {
    await serve?.close();
    await tenant.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  let serve: ServeHandle;
  try {
    const source: Record<string, string> =
      mode === "pushed" ? { SOURCE_MODE: "pushed" } : { SOURCE_MODE: "adminservice", ADMINSERVICE_URL: tenant.adminServiceUrl };
    serve = await startLocalServe(tenant, join(dataDir, "app"), { ...source, ...env });
  } catch (error) {
    await close();
    throw error;
  }
  const collectorDir = join(dataDir, "collector");
  return {
    tenant,
    serve,
    collectorDir,
    collector: (options = {}) =>
      buildCollector({
        env: { ADMINSERVICE_URL: tenant.adminServiceUrl },
        appUrl: serve.url,
        log: silentLogger,
        name: "CM01",
        dataDir: collectorDir,
        ...options,
      }),
    close: () => close(serve),
  };
}

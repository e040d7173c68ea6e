/**
 * The on-premises collector in a process of its own (collectorChild.ts starts it), so its peak RSS is measured
 * apart from the app's, as on a site server. Sends `{ pid }` when built; answers "once" with the pass's summary and
 * the app traffic so far; stops on "close". Arguments: the AdminService URL, the app URL and the data folder.
 */
import { buildCollector } from "../cli/commands/collectCommand.js";
import { silentLogger } from "../shared/logger.js";

async function main(): Promise<void> {
  const [adminServiceUrl = "", appUrl = "", dataDir = ""] = process.argv.slice(2);
  const collector = await buildCollector({ env: { ADMINSERVICE_URL: adminServiceUrl }, appUrl, log: silentLogger, name: "BENCH-COLLECTOR", dataDir });
  process.send?.({ pid: process.pid });
  process.on("message", (message) => {
    if (message === "close") setImmediate(() => process.exit(0));
    if (message === "once")
      void collector.once().then(
        (summary) => process.send?.({ summary, traffic: collector.app.traffic() }),
        (error: unknown) => process.send?.({ error: error instanceof Error ? error.message : String(error) }),
      );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`collector host failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});

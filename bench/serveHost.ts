/**
 * `collection-sync serve` in a process of its own, for the console scenarios (S10, S11): the bench measures it from
 * outside as a browser would, so its figures (latency, peak RSS) are the server's alone. Started with `fork`;
 * sends `{ url }` once it listens and stops on "close". The timer is off, so no sync competes with the requests
 * being measured; the store is the bench's Azurite (TABLES_CONNECTION).
 */
import { startServe } from "../cli/commands/serveCommand.js";
import { silentLogger } from "../shared/logger.js";

async function main(): Promise<void> {
  const handle = await startServe({
    port: 0,
    host: "127.0.0.1",
    env: process.env,
    io: { out: () => {}, err: (text: string) => process.stderr.write(`${text}\n`) },
    log: silentLogger,
    schedule: false,
  });
  process.send?.({ url: handle.url, pid: process.pid });
  process.on("message", (message) => {
    if (message === "close") void handle.close().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`serve host failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});

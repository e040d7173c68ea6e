import { pathToFileURL } from "node:url";
import { ConfigError } from "../shared/errors.js";
import { ApiFailure } from "./apiCall.js";
import { processIo, type CliIo } from "./io.js";
import { USAGE, UsageError } from "./usage.js";

// Each command is loaded when it runs (dynamic import), so `collect` on a site server loads the AdminService
// adapter and the app client, never the cloud side (Table Storage, Service Bus, the simulated tenant): docs/collector.md.

export interface CliContext {
  readonly io: CliIo;
  readonly env: Record<string, string | undefined>;
  /** Folder for embedded storage (default ./.collection-sync). */
  readonly dataDir?: string;
}

/** Runs one CLI command; returns the exit code (0 ok, 1 a mapping or a doctor check failed, 2 usage or configuration error). */
export async function main(argv: readonly string[], context: CliContext = { io: processIo, env: process.env }): Promise<number> {
  const { io } = context;
  const [command, ...args] = argv;
  try {
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      case "demo":
        return await (await import("./commands/demoCommand.js")).demoCommand(args, io);
      case "serve":
        return await (await import("./commands/serveCommand.js")).serveCommand(args, io, context.env);
      case "collect":
        return await (
          await import("./commands/collectCommand.js")
        ).collectCommand(args, io, context.env, context.dataDir === undefined ? {} : { dataDir: context.dataDir });
      case "adminservice":
        return await (await import("./commands/adminServiceCommand.js")).adminServiceCommand(args, io, context.env, context.dataDir);
      case "doctor":
        return await (await import("./commands/doctorCommand.js")).doctorCommand(args, io, context.env, context.dataDir);
      case "mappings":
      case "groups":
      case "runs":
      case "snapshots":
      case "audit":
      case "sync":
        return await withRuntime(command, args, context);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`collection-sync: ${error.message}\nRun "collection-sync help" for usage.`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`collection-sync: ${error.message}`);
      return 2;
    }
    if (error instanceof ApiFailure) {
      io.err(`collection-sync: ${error.message}`);
      return 1;
    }
    io.err(`collection-sync: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

async function withRuntime(command: string, args: readonly string[], context: CliContext): Promise<number> {
  const [{ openLocalRuntime }, { createMappingsApi }] = await Promise.all([import("./runtime.js"), import("../shared/api/router.js")]);
  const runtime = await openLocalRuntime({ env: context.env, io: context.io, ...(context.dataDir === undefined ? {} : { dataDir: context.dataDir }) });
  try {
    const api = createMappingsApi(runtime.services.api);
    if (command === "mappings") return await (await import("./commands/mappingsCommand.js")).mappingsCommand(api, args, context.io);
    if (command === "groups") return await (await import("./commands/groupsCommand.js")).groupsCommand(api, args, context.io);
    if (command === "runs") return await (await import("./commands/runsCommand.js")).runsCommand(api, args, context.io);
    if (command === "snapshots") return await (await import("./commands/snapshotsCommand.js")).snapshotsCommand(api, args, context.io);
    if (command === "audit") return await (await import("./commands/auditCommand.js")).auditCommand(api, args, context.io);
    return await (await import("./commands/syncCommand.js")).syncCommand(runtime.services, args, context.io);
  } finally {
    await runtime.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

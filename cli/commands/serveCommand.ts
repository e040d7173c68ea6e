import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CronExpressionParser } from "cron-parser";
import { createMappingsApi } from "../../shared/api/router.js";
import { createApiServer, createNodeHttpListener } from "../../shared/api/nodeHttp.js";
import { defaultConsoleDir, loadConsoleFiles } from "../../shared/console/consoleFiles.js";
import { isLoopbackHttp } from "../../shared/config/loopback.js";
import { consoleLogger, type Logger } from "../../shared/logger.js";
import { planScheduledJobs } from "../../shared/scheduling/planScheduledJobs.js";
import { runNotifierTick } from "../../shared/notify/notifierTick.js";
import { optionalInteger, optionalString, parse } from "../args.js";
import type { CliIo } from "../io.js";
import { openLocalRuntime, osUserName, type LocalRuntime } from "../runtime.js";
import { UsageError } from "../usage.js";
import { callApi } from "../apiCall.js";
import { DEMO_DEVICE_COLLECTION, DEMO_GROUP_ID } from "../../simulator/index.js";

export interface ServeHandle {
  readonly url: string;
  readonly runtime: LocalRuntime;
  close(): Promise<void>;
}

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly env: Record<string, string | undefined>;
  readonly io: CliIo;
  readonly log?: Logger;
  readonly dataDir?: string;
  readonly inMemoryStorage?: boolean;
  /** Run the timer (default true). */
  readonly schedule?: boolean;
  /** The built console (default: this package's dist/console). */
  readonly consoleDir?: string;
  /** How often the notifier delivers (default every 10 s). */
  readonly notifyEveryMs?: number;
  /** How long a client may take to send a request before it gets 408 (default SLOW_CLIENT_MS, 30 s). */
  readonly slowClientMs?: number;
}

/** The Functions app's notifier runs every minute; on one machine a shorter round costs one local query. */
const NOTIFY_EVERY_MS = 10_000;

/**
 * Everything on one machine: the HTTP API on `node:http`, the same scheduler on a timer, and an in-process
 * queue feeding the same worker the Functions app uses.
 */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const apiKey = options.env.API_KEY?.trim() || undefined;
  const readKey = options.env.API_READ_KEY?.trim() || undefined;
  if (readKey !== undefined && apiKey === undefined) throw new UsageError("API_READ_KEY needs API_KEY: set both, or neither");
  const loopback = isLoopbackHttp(listenHost(options.host));
  if (!loopback && apiKey === undefined) {
    throw new UsageError(`Refusing to listen on ${options.host} without authentication: set API_KEY (callers send it as x-api-key) or listen on 127.0.0.1`);
  }
  const log = options.log ?? consoleLogger(process.stderr, { metrics: false });
  const runtime = await openLocalRuntime({
    env: options.env,
    io: options.io,
    log,
    workers: 2,
    auth:
      apiKey === undefined
        ? { mode: "none", localActor: { name: `local:${osUserName()}`, kind: "local" } }
        : { mode: "key", apiKey, ...(readKey === undefined ? {} : { readKey }) },
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.inMemoryStorage ? { inMemoryStorage: true } : {}),
  });
  const consoleFiles = loadConsoleFiles(options.consoleDir ?? defaultConsoleDir(import.meta.url));
  let allowedHosts: ReadonlySet<string> | null = new Set<string>();
  const listener = createNodeHttpListener(createMappingsApi(runtime.services.api), {
    allowedHosts: () => allowedHosts,
    outside: (method, path, headers) => consoleFiles.answer(method, path, headers),
  });
  const server: Server = createApiServer(listener, { log, ...(options.slowClientMs === undefined ? {} : { slowClientMs: options.slowClientMs }) });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  allowedHosts = hostsServedAs(options.host, address.port);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const stopTimer = options.schedule === false ? () => {} : startTimer(runtime, log);
  const stopNotifier = startNotifier(runtime, log, options.notifyEveryMs ?? NOTIFY_EVERY_MS);
  const stopJanitor = options.schedule === false ? () => {} : startSnapshotJanitor(runtime, log);
  if (runtime.simulator) await addDemoMapping(runtime, options.io, apiKey === undefined ? {} : { "x-api-key": apiKey });
  return {
    url,
    runtime,
    close: async () => {
      stopTimer();
      stopJanitor();
      await stopNotifier();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await runtime.close();
    },
  };
}

/**
 * On the built-in simulated tenant, an empty store gets the demo mapping and one sync right away, so a newcomer
 * sees a real sync (and its run history) without typing anything.
 */
async function addDemoMapping(runtime: LocalRuntime, io: CliIo, headers: Record<string, string>): Promise<void> {
  const page = await runtime.services.sync.mappings.list({ pageSize: 1 });
  if (page.items.length > 0) return;
  const api = createMappingsApi(runtime.services.api);
  await callApi(api, "POST", "/mappings", { body: { collectionId: DEMO_DEVICE_COLLECTION, groupId: DEMO_GROUP_ID }, headers });
  await callApi(api, "POST", `/mappings/${DEMO_DEVICE_COLLECTION}/${DEMO_GROUP_ID}/sync`, { headers });
  io.out(`Demo mapping added (${DEMO_DEVICE_COLLECTION} → ${DEMO_GROUP_ID}) and queued for a first sync.`);
}

/**
 * The Host values `serve` answers for: the address it listens on and the loopback names, with its port. Listening
 * on every interface (0.0.0.0, ::) requires API_KEY and any name may reach it, so Host is not restricted then.
 */
function hostsServedAs(listen: string, port: number): ReadonlySet<string> | null {
  const name = listenHost(listen).host;
  if (name === "0.0.0.0" || name === "[::]") return null;
  return new Set([name, "localhost", "127.0.0.1", "[::1]"].map((host) => `${host}:${port}`));
}

/** `--host` as a URL: a bare host name or IP address; anything else (a path, a port, spaces) is a usage error. */
function listenHost(host: string): URL {
  const bracketed = host.includes(":") ? `[${host}]` : host;
  let url: URL | null;
  try {
    url = new URL(`http://${bracketed}`);
  } catch {
    url = null;
  }
  if (host === "" || url === null || url.host !== bracketed.toLowerCase()) {
    throw new UsageError(`--host ${JSON.stringify(host.slice(0, 100))} is not a host name or IP address`);
  }
  return url;
}

const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The Functions timer's job on one machine: the same schedule expression, the same planner. */
function startTimer(runtime: LocalRuntime, log: Logger): () => void {
  const { services } = runtime;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const next = CronExpressionParser.parse(services.settings.SYNC_SCHEDULE, { currentDate: new Date(services.clock.now()), tz: "UTC" })
      .next()
      .toDate();
    const delay = next.getTime() - services.clock.now();
    // setTimeout fires at once for delays past 2^31−1 ms (~24.8 days): wait in steps instead of ticking early.
    if (delay > MAX_TIMER_DELAY_MS) {
      timer = setTimeout(arm, MAX_TIMER_DELAY_MS);
      return;
    }
    timer = setTimeout(
      () => {
        planScheduledJobs({ mappings: services.sync.mappings, state: services.sync.state, queue: services.queue, clock: services.clock, log }, next)
          .then((result) => log.info("Scheduler tick", { ...result, tick: next.toISOString() }))
          .catch((error: unknown) => log.error("Scheduler tick failed", { error: error instanceof Error ? error.message : String(error) }))
          .finally(arm);
      },
      Math.max(0, next.getTime() - services.clock.now()),
    );
  };
  arm();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** The Functions snapshot janitor on one machine (pushed mode): abandoned uploads deleted every 10 minutes. */
function startSnapshotJanitor(runtime: LocalRuntime, log: Logger): () => void {
  const { snapshots } = runtime.services.api;
  if (!snapshots.pushed) return () => {};
  const timer = setInterval(() => {
    snapshots.pruneStaging().catch((error: unknown) => log.error("Snapshot janitor failed", { error: error instanceof Error ? error.message : String(error) }));
  }, JANITOR_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

const JANITOR_EVERY_MS = 10 * 60_000;

/** The Functions notifier timer on one machine: dead-letter check and one delivery round, again and again. */
function startNotifier(runtime: LocalRuntime, log: Logger, everyMs: number): () => Promise<void> {
  const { notifications, notifierSources } = runtime.services;
  if (notifications === null) return async () => {};
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = runNotifierTick(notifications, notifierSources, log)
        .then(() => undefined)
        .catch((error: unknown) => log.error("Notifier round failed", { error: error instanceof Error ? error.message : String(error) }))
        .finally(arm);
    }, everyMs);
  };
  arm();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await round; // a round in flight finishes (each POST is bounded) before storage closes under it
  };
}

/** `serve [--port 7071] [--host 127.0.0.1]`: runs until interrupted. */
export async function serveCommand(args: readonly string[], io: CliIo, env: Record<string, string | undefined>): Promise<number> {
  const { values } = parse(args, { port: { type: "string" }, host: { type: "string" } });
  const port = optionalInteger(values, "port") ?? 7071;
  if (port > 65535) throw new UsageError(`--port must be from 0 to 65535, got ${port}`);
  const host = optionalString(values, "host") ?? "127.0.0.1";
  const handle = await startServe({ port, host, env, io });
  const simulator = handle.runtime.simulator;
  io.out(`collection-sync console: ${handle.url}/`);
  io.out(`collection-sync is serving the API at ${handle.url}/api (schedule "${handle.runtime.services.settings.SYNC_SCHEDULE}", UTC)`);
  if (handle.runtime.dataDir) io.out(`Data: embedded Azurite under ${handle.runtime.dataDir}`);
  if (simulator) {
    io.out(`Simulated tenant: Graph ${simulator.graphBaseUrl}/v1.0, AdminService ${simulator.adminServiceUrl}`);
    io.out("Try:");
    io.out(`  curl ${handle.url}/api/mappings`);
    io.out(`  curl "${handle.url}/api/groups?search=Autopilot"`);
    io.out(`  curl "${handle.url}/api/groups?search=Sales&memberType=user"`);
    io.out(
      `  curl -X POST ${handle.url}/api/mappings -H 'content-type: application/json' -d '{"collectionId":"PS100013","groupId":"6d4c16af-74ec-4bc4-8b9b-6fc790bd1bc8","mode":"managed"}'`,
    );
    io.out(`  curl -X POST ${handle.url}/api/mappings/PS100012/f95be452-cf2b-48a6-8e18-9745e9150fe0/sync`);
    io.out(`  curl ${handle.url}/api/mappings/PS100012/f95be452-cf2b-48a6-8e18-9745e9150fe0/runs`);
  }
  io.out("Press Ctrl+C to stop.");
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await handle.close();
  return 0;
}

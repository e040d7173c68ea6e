import type { ScaleMode } from "./scaleTargets.js";
/** Command-line options of `npm run bench` (all optional; the defaults are the issue's scenarios). */
export interface BenchOptions {
  /** Added to every simulated HTTP request, ms. */
  readonly latencyMs: number;
  /** Multiplies every Graph throttling limit of docs/service-facts.md (1 = the documented budget). */
  readonly throttleScale: number;
  /** Entra-joined devices in the S1 collection. */
  readonly devices: number;
  /** Collection members without an Entra id, and hybrid-joined ones (S1). */
  readonly withoutEntraId: number;
  readonly hybrid: number;
  /** Devices that join the collection before S3. */
  readonly joining: number;
  /** Users in the S1u/S3u user collection, and users that join it before S3u. */
  readonly users: number;
  readonly joiningUsers: number;
  /** Mappings the scheduler plans in S4. */
  readonly mappings: number;
  /** Devices of the naive baseline's slice. */
  readonly naiveSlice: number;
  /** `$batch` requests in flight per tenant (GRAPH_MAX_CONCURRENCY). */
  readonly graphConcurrency: number;
  /** S5: worker processes (Function instances), mappings, new devices per mapping, and jobs each worker runs at once. */
  readonly workers: number;
  readonly fleetMappings: number;
  readonly fleetDevices: number;
  readonly jobsPerWorker: number;
  /** S10: mappings in the console's list; S11: members in the report and CSV downloads at once. */
  readonly listMappings: number;
  readonly reportMembers: number;
  readonly downloads: number;
  /** S9: collection changes measured, devices each joins with, and the collector's pass interval (seconds). */
  readonly latencyChanges: number;
  readonly latencyChangeSize: number;
  readonly collectorInterval: number;
  /** S8: seconds the write phase of each grid cell lasts at the least (writes = burst + rate × this). */
  readonly pacingSeconds: number;
  /** S8: the write budgets Graph grants, one grid cell each. */
  readonly pacingGrid: readonly PacingCell[];
  /** S7: members of the large collection, devices that join it afterwards, Graph's budget multiplier, and the source modes. */
  readonly scaleMembers: number;
  readonly scaleChange: number;
  readonly scaleThrottle: number;
  readonly scaleModes: readonly ScaleMode[];
  /** Scenario groups to run (`S1` = S1–S3 with the naive baseline, `S3u` = S1u and S3u, `S4`, `S5`); empty = all. */
  readonly only: readonly ScenarioGroup[];
  readonly json: boolean;
}

/** A write budget smaller than (or equal to) the documented one: sustained writes per second and burst. */
export interface PacingCell {
  readonly perSecond: number;
  readonly burst: number;
}

/** Sustained 5–20 writes/s × burst 100–3,000 (issue 20): 20/s and 3,000 is the documented budget. */
export const DEFAULT_PACING_GRID: readonly PacingCell[] = [5, 10, 20].flatMap((perSecond) => [100, 1_000, 3_000].map((burst) => ({ perSecond, burst })));

export const SCENARIO_GROUPS = ["S1", "S3u", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S11"] as const;
export type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

/** Whether a scenario group is to run. */
export function runs(options: BenchOptions, group: ScenarioGroup): boolean {
  return options.only.length === 0 || options.only.includes(group);
}

export const DEFAULT_OPTIONS: BenchOptions = {
  latencyMs: 40,
  throttleScale: 1,
  devices: 100_000,
  withoutEntraId: 5_000,
  hybrid: 5_000,
  joining: 1_000,
  users: 50_000,
  joiningUsers: 1_000,
  mappings: 10_000,
  naiveSlice: 2_000,
  graphConcurrency: 4,
  workers: 8,
  fleetMappings: 40,
  fleetDevices: 2_500,
  // host.json's serviceBus.maxConcurrentCalls
  jobsPerWorker: 8,
  listMappings: 10_000,
  reportMembers: 100_000,
  downloads: 100,
  latencyChanges: 20,
  latencyChangeSize: 10,
  // shared/config/settings.ts COLLECTOR_INTERVAL_SECONDS
  collectorInterval: 15,
  pacingSeconds: 60,
  pacingGrid: DEFAULT_PACING_GRID,
  scaleMembers: 1_000_000,
  scaleChange: 10_000,
  // 1,000,000 adds take 42 minutes at the documented budget; ×50 makes them under a minute of Graph's time.
  scaleThrottle: 50,
  scaleModes: ["adminservice", "pushed"],
  only: [],
  json: false,
};

const NUMERIC: Record<string, keyof BenchOptions> = {
  "--latency": "latencyMs",
  "--scale": "throttleScale",
  "--devices": "devices",
  "--without-entra-id": "withoutEntraId",
  "--hybrid": "hybrid",
  "--joining": "joining",
  "--users": "users",
  "--joining-users": "joiningUsers",
  "--mappings": "mappings",
  "--naive-slice": "naiveSlice",
  "--concurrency": "graphConcurrency",
  "--workers": "workers",
  "--fleet-mappings": "fleetMappings",
  "--fleet-devices": "fleetDevices",
  "--jobs-per-worker": "jobsPerWorker",
  "--list-mappings": "listMappings",
  "--report-members": "reportMembers",
  "--downloads": "downloads",
  "--pacing-seconds": "pacingSeconds",
  "--changes": "latencyChanges",
  "--change-size": "latencyChangeSize",
  "--collector-interval": "collectorInterval",
  "--s7-members": "scaleMembers",
  "--s7-change": "scaleChange",
  "--s7-scale": "scaleThrottle",
};

export const USAGE = `npm run bench [-- options]
  --json                 print one JSON document instead of the table
  --only <S1,S3u,S4,S5,S6,S7,S8,S9,S10,S11>  run only these scenario groups (S1 = S1–S3 and the naive baseline,
                         S3u = S1u and S3u, S6 = the collector end to end on --devices and --joining, S7 = a
                         --s7-members collection and a --s7-change change in both source modes, S8 = pacing
                         against smaller write budgets, S9 = latency of collection changes with the collector,
                         S10 = the console's mapping list of --list-mappings, S11 = --downloads CSV downloads of a
                         --report-members report; default all)
  --list-mappings <n>    mappings in S10's list (default 10000)
  --report-members <n>   members in S11's run report (default 100000)
  --downloads <n>        S11's concurrent CSV downloads (default 100)
  --latency <ms>         simulated latency per HTTP request (default 40)
  --scale <x>            multiply Graph's throttling budget (default 1 = docs/service-facts.md as documented)
  --devices <n>          Entra-joined devices in the collection (default 100000)
  --without-entra-id <n> members without an Entra id (default 5000)
  --hybrid <n>           hybrid-joined members (default 5000)
  --joining <n>          devices joining the collection before S3 (default 1000)
  --users <n>            users in the S1u/S3u user collection (default 50000)
  --joining-users <n>    users joining it before S3u, scattered ResourceIDs (default 1000)
  --mappings <n>         S4: mappings the scheduler plans, then as many unchanged mappings run (default 10000)
  --naive-slice <n>      devices in the naive baseline's measured slice (default 2000)
  --concurrency <n>      Graph requests in flight (GRAPH_MAX_CONCURRENCY, default 4)
  --workers <n>          S5: worker processes sharing the tenant's budget (default 8)
  --fleet-mappings <n>   S5: mappings, each of its own collection and group (default 40)
  --fleet-devices <n>    S5: new devices per mapping (default 2500)
  --jobs-per-worker <n>  S5: jobs a worker runs at once (host.json maxConcurrentCalls, default 8)
  --changes <n>          S9: collection changes measured (default 20), each of --change-size devices (default 10)
  --collector-interval <s>  S9: the collector's pass interval (default 15, COLLECTOR_INTERVAL_SECONDS)
  --s7-members <n>       S7: members of the large collection (default 1000000)
  --s7-change <n>        S7: devices joining it after the first sync (default 10000)
  --s7-scale <n>         S7: multiply Graph's budget, the simulated tenant's and the one the app paces by
                         (GRAPH_BUDGET_SCALE; default 50: 1M adds take 50 s of budget instead of 42 min)
  --s7-modes <list>      S7: source modes, adminservice and/or pushed (default both)
  --pacing-seconds <n>   S8: least write-phase time of each cell, seconds (writes = burst + rate × n; default 60)
  --pacing-grid <list>   S8: granted write budgets as rate/burst pairs, e.g. 5/100,20/3000 (default 5,10,20 × 100,1000,3000)`;

const ONE_OR_MORE = new Set<keyof BenchOptions>([
  "devices",
  "users",
  "naiveSlice",
  "graphConcurrency",
  "workers",
  "fleetMappings",
  "fleetDevices",
  "jobsPerWorker",
  "pacingSeconds",
  "latencyChanges",
  "latencyChangeSize",
  "collectorInterval",
  "scaleMembers",
  "scaleThrottle",
]);

/** `5/100,20/3000`: positive rates per second and whole bursts ≥ 1. */
function parsePacingGrid(raw: string | undefined): PacingCell[] {
  const cells = (raw ?? "").split(",").map((pair) => {
    const [rate, burst] = pair.split("/").map((n) => Number(n.trim()));
    if (rate === undefined || burst === undefined || !(rate > 0) || !Number.isInteger(burst) || burst < 1) return null;
    return { perSecond: rate, burst };
  });
  if (raw === undefined || cells.some((c) => c === null))
    throw new Error(`--pacing-grid takes rate/burst pairs such as 5/100,20/3000, got ${raw ?? "nothing"}\n${USAGE}`);
  return cells as PacingCell[];
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: Record<string, number | boolean | readonly ScenarioGroup[] | readonly PacingCell[] | readonly ScaleMode[]> = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--json") {
      options["json"] = true;
      continue;
    }
    if (arg === "--only" || arg.startsWith("--only=")) {
      const raw = arg.includes("=") ? arg.slice("--only=".length) : argv[++i];
      const groups = (raw ?? "").split(",").map((g) => g.trim().toUpperCase());
      const unknown = groups.filter((g) => !(SCENARIO_GROUPS as readonly string[]).includes(g));
      if (raw === undefined || unknown.length > 0) throw new Error(`--only takes a list of ${SCENARIO_GROUPS.join(", ")}, got ${raw ?? "nothing"}\n${USAGE}`);
      options["only"] = groups as ScenarioGroup[];
      continue;
    }
    if (arg === "--s7-modes" || arg.startsWith("--s7-modes=")) {
      const raw = arg.includes("=") ? arg.slice("--s7-modes=".length) : argv[++i];
      const modes = (raw ?? "").split(",").map((m) => m.trim().toLowerCase());
      if (raw === undefined || modes.some((m) => m !== "adminservice" && m !== "pushed"))
        throw new Error(`--s7-modes takes adminservice and/or pushed, got ${raw ?? "nothing"}\n${USAGE}`);
      options["scaleModes"] = [...new Set(modes)] as ScaleMode[];
      continue;
    }
    if (arg === "--pacing-grid" || arg.startsWith("--pacing-grid=")) {
      options["pacingGrid"] = parsePacingGrid(arg.includes("=") ? arg.slice("--pacing-grid=".length) : argv[++i]);
      continue;
    }
    const [flag, inline] = arg.includes("=") ? arg.split("=", 2) : [arg, undefined];
    const key = NUMERIC[flag];
    if (key === undefined) throw new Error(`Unknown option ${arg}\n${USAGE}`);
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    const min = key === "throttleScale" ? Number.MIN_VALUE : ONE_OR_MORE.has(key) ? 1 : 0;
    if (raw === undefined || !Number.isFinite(value) || value < min || (key !== "throttleScale" && !Number.isInteger(value))) {
      throw new Error(`${flag} needs a ${key === "throttleScale" ? "positive number" : `whole number ≥ ${min}`}, got ${raw ?? "nothing"}\n${USAGE}`);
    }
    options[key] = value;
  }
  return options as unknown as BenchOptions;
}

/**
 * The console's server side at fleet scale (issue 19), measured against `serve` in its own process:
 * S10 — a filtered, sorted page of 10,000 mappings (target ≤ 300 ms);
 * S11 — 100 concurrent CSV downloads of a 100,000-member run report while an admin's page keeps calling
 *      `GET /api/me` (targets: its p99 < 200 ms, the server's peak RSS < 600 MB).
 */
import { fork } from "node:child_process";
import { startServeChild, type ServeChild } from "./serveChild.js";
import { randomUUID } from "node:crypto";
import pMap from "p-map";
import type { EmbeddedAzurite } from "../shared/storage/embeddedAzurite.js";
import { mappingKeyOf } from "../shared/core/ids.js";
import type { Mapping } from "../shared/core/mapping.js";
import { createTableStores, type TableStores } from "../shared/storage/tableStores.js";
import { emptyCounts, type MemberReportEntry, type SyncRun } from "../shared/core/syncRun.js";
import { benchMapping } from "./benchRig.js";
import { atMost, type Target } from "./figures.js";

export interface ConsoleFigures {
  readonly targets: Target[];
  readonly notes: string[];
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

async function timed(url: string, headers: Record<string, string> = {}): Promise<{ ms: number; status: number; body: string; etag: string | null }> {
  const started = performance.now();
  const response = await fetch(url, { headers });
  const body = await response.text();
  return { ms: performance.now() - started, status: response.status, body, etag: response.headers.get("etag") };
}

const WORDS = ["Kiosk", "Finance", "Pilot", "Lab", "Sales", "Autopilot", "Shared", "Field", "Retail", "Warehouse"];

/** 10,000 mappings as a big estate has them: varied names, modes and states, a few in trouble. */
async function seedFleet(stores: TableStores, count: number): Promise<void> {
  const now = Date.now();
  await pMap(
    Array.from({ length: count }, (_, i) => i),
    async (i) => {
      const word = WORDS[i % WORDS.length] ?? "Kiosk";
      const collectionId = `B${String(Math.floor(i / 100_000)).padStart(2, "0")}${(i % 100_000).toString(16).toUpperCase().padStart(5, "0")}`;
      const groupId = randomUUID();
      const mapping: Omit<Mapping, "etag"> = {
        ...benchMapping(collectionId, groupId),
        collectionName: `${word} devices ${i}`,
        groupName: `Intune ${word} ${i}`,
        mode: i % 3 === 0 ? "mirror" : i % 3 === 1 ? "managed" : "additive",
      };
      await stores.mappings.create(mapping);
      const finished = new Date(now - (i % 40) * 60_000).toISOString();
      const summary = {
        runId: randomUUID(),
        status: "succeeded",
        trigger: "schedule",
        startedAt: finished,
        finishedAt: finished,
        durationMs: 900,
        added: i % 7,
        removed: 0,
        failed: 0,
        skipped: 1,
        heldBack: 0,
        message: "",
      };
      await stores.state.save({
        ...(await stores.state.get(mappingKeyOf(mapping))),
        lastRunAt: finished,
        lastRunStatus: i % 97 === 0 ? "failed" : "succeeded",
        lastSuccessAt: finished,
        consecutiveFailures: i % 97 === 0 ? 1 : 0,
        lastRun: summary,
        lastChange: summary,
        groupSize: 100 + (i % 500),
        collectionSize: 100 + (i % 500),
      });
    },
    { concurrency: 32 },
  );
}

/** S10: a filtered, sorted page of a 10,000-mapping fleet, as the console asks for it. */
export async function runListScenario(azurite: EmbeddedAzurite, mappings: number, progress: (message: string) => void): Promise<ConsoleFigures> {
  // serve uses the product's table names, so the fleet is stored under them (no other scenario does).
  const stores = createTableStores({ connectionString: azurite.connectionString });
  progress(`S10: storing ${mappings} mappings with their states…`);
  await seedFleet(stores, mappings);
  const serve = await startServeChild(azurite.connectionString);
  try {
    return await measureList(serve, mappings);
  } finally {
    await serve.close();
  }
}

async function measureList(serve: ServeChild, mappings: number): Promise<ConsoleFigures> {
  const api = `${serve.url}/api/mappings`;
  const first = await timed(`${api}?pageSize=50`);
  const total = (JSON.parse(first.body) as { total: number }).total;
  const queries = [
    "search=kiosk&status=needs-attention&sort=lastRun&order=desc&pageSize=50",
    "search=finance&sort=group&page=3&pageSize=50",
    "status=failing&sort=collection&pageSize=50",
    "search=intune%20lab&sort=groupSize&order=desc&page=2&pageSize=50",
    "sort=status&page=100&pageSize=50",
  ];
  const times: number[] = [];
  for (let round = 0; round < 20; round++) {
    for (const query of queries) times.push((await timed(`${api}?${query}`)).ms);
  }
  const etag = (await timed(`${api}?${queries[0]}`)).etag ?? "";
  const conditional: number[] = [];
  for (let round = 0; round < 20; round++) conditional.push((await timed(`${api}?${queries[0]}`, { "if-none-match": etag })).ms);
  return {
    targets: [
      atMost(`S10 filtered page of ${mappings} mappings, p95 (ms)`, percentile(times, 95), 300),
      atMost(`S10 the list holds every mapping (${mappings})`, total >= mappings ? 0 : 1, 0),
    ],
    notes: [
      `S10 (${mappings} mappings, serve in its own process): first page after start ${first.ms.toFixed(0)} ms (reads every mapping and state once); filtered pages median ${percentile(times, 50).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms, slowest ${Math.max(...times).toFixed(0)} ms over ${times.length} requests; a 304 answer median ${percentile(conditional, 50).toFixed(0)} ms.`,
    ],
  };
}

/** S11: 100 downloads of a 100,000-member report at once while the console keeps asking who the user is. */
export async function runReportServingScenario(
  azurite: EmbeddedAzurite,
  members: number,
  downloads: number,
  progress: (message: string) => void,
): Promise<ConsoleFigures> {
  const stores = createTableStores({ connectionString: azurite.connectionString });
  progress(`S11: recording a run with a ${members}-member report…`);
  const mapping = benchMapping("BR100001", randomUUID());
  await stores.mappings.create({ ...mapping, collectionName: "Report devices", groupName: "Report group" });
  const entries: MemberReportEntry[] = Array.from({ length: members }, (_, i) => ({
    outcome: i % 10 === 0 ? "skipped" : "added",
    reason: i % 10 === 0 ? "not-found" : null,
    resourceId: 16_777_216 + i,
    name: `PC-${String(i).padStart(6, "0")}-Zoë`,
    entraId: randomUUID(),
    objectId: i % 10 === 0 ? null : randomUUID(),
    error: null,
  }));
  const started = new Date().toISOString();
  const run: SyncRun = {
    runId: randomUUID(),
    mappingKey: mappingKeyOf(mapping),
    collectionId: mapping.collectionId,
    groupId: mapping.groupId,
    tenantId: null,
    mode: "additive",
    trigger: "schedule",
    status: "succeeded",
    startedAt: started,
    finishedAt: started,
    durationMs: 1,
    counts: { ...emptyCounts(), source: members, resolved: members, added: members - members / 10 },
    graphRequests: 0,
    adminServiceRequests: 0,
    throttledWaitMs: 0,
    blockedBy: null,
    message: "",
    errors: [],
    preview: null,
    retryAfterMs: null,
  };
  await stores.runs.record(run, { entries, truncated: 0 });
  const serve = await startServeChild(azurite.connectionString);
  try {
    progress(`S11: ${downloads} concurrent CSV downloads while GET /api/me is timed…`);
    return await measureDownloads(
      serve,
      `${serve.url}/api/mappings/${mapping.collectionId}/${mapping.groupId}/runs/${run.runId}/members?format=csv`,
      members,
      downloads,
    );
  } finally {
    await serve.close();
  }
}

async function measureDownloads(serve: ServeChild, csvUrl: string, members: number, downloads: number): Promise<ConsoleFigures> {
  const me = `${serve.url}/api/me`;
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) idle.push((await timed(me)).ms);
  // The page's calls come from a process of their own: timed here, they would wait behind this process's
  // hundred downloads and measure the client, not the server.
  const probe = fork(new URL("./latencyProbe.js", import.meta.url), [me], { stdio: ["ignore", "ignore", 2, "ipc"] });
  await new Promise((resolve) => probe.once("message", resolve));
  const started = performance.now();
  const sizes = await Promise.all(
    Array.from({ length: downloads }, async () => {
      const response = await fetch(csvUrl);
      let bytes = 0;
      for await (const chunk of response.body ?? []) bytes += (chunk as Uint8Array).length;
      return bytes;
    }),
  );
  const wallMs = performance.now() - started;
  const meTimes = await new Promise<number[]>((resolve) => {
    probe.once("message", (message) => resolve((message as { times: number[] }).times));
    probe.send("stop");
  });
  const peak = serve.peakRssMiB();
  const complete = sizes.every((bytes) => bytes === sizes[0] && bytes > members * 50);
  return {
    targets: [
      atMost(`S11 GET /api/me p99 during ${downloads} CSV downloads (ms)`, percentile(meTimes, 99), 200),
      atMost(`S11 serve peak RSS (MiB)`, peak ?? Number.POSITIVE_INFINITY, 600),
      atMost(`S11 every download complete and identical`, complete ? 0 : 1, 0),
    ],
    notes: [
      `S11 (${members}-member report, ${((sizes[0] ?? 0) / 1_048_576).toFixed(1)} MiB of CSV each, ${downloads} at once): all done in ${(wallMs / 1000).toFixed(1)} s; GET /api/me idle median ${percentile(idle, 50).toFixed(1)} ms, during the downloads median ${percentile(meTimes, 50).toFixed(1)} ms, p99 ${percentile(meTimes, 99).toFixed(1)} ms, slowest ${Math.max(...meTimes).toFixed(1)} ms (${meTimes.length} calls); serve's peak RSS ${peak === null ? "not measured (no /proc)" : `${peak.toFixed(0)} MiB`}.`,
    ],
  };
}

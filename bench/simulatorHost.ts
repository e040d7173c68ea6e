/**
 * The simulated tenant in a child process of the bench: it stands in for Microsoft's cloud, so its memory and CPU
 * are kept out of the figures measured for the engine (peak RSS of the bench process = engine + Azurite).
 * Started by remoteTenant.ts with `fork`; answers its requests over the IPC channel.
 */
import { startSimulatedTenant, type SimulatedTenant } from "../simulator/index.js";
import type { BenchOptions } from "./options.js";
import { buildBenchSeed, type BenchSeed, type SeedKind } from "./seeds.js";
import type { HostReply, HostRequest } from "./hostProtocol.js";

let tenant: SimulatedTenant | null = null;
let built: BenchSeed | null = null;

async function start(kind: SeedKind, options: BenchOptions) {
  built = buildBenchSeed(kind, options);
  tenant = await startSimulatedTenant({ seed: built.seed, latencyMs: options.latencyMs, throttle: { scale: options.throttleScale } });
  return {
    graphBaseUrl: tenant.graphBaseUrl,
    adminServiceUrl: tenant.adminServiceUrl,
    ids: built.seed.ids,
    fleet: built.fleet,
    sliceMembers: built.sliceMembers,
  };
}

function live(): { tenant: SimulatedTenant; built: BenchSeed } {
  if (tenant === null || built === null) throw new Error("The simulated tenant is not started");
  return { tenant, built };
}

async function handle(request: HostRequest): Promise<unknown> {
  switch (request.op) {
    case "start":
      return start(request.kind, request.options);
    case "counters":
      return live().tenant.counters;
    case "resetCounters":
      return live().tenant.resetCounters();
    case "lastSeq": {
      const log = live().tenant.requestLog;
      return log.length === 0 ? 0 : (log[log.length - 1]?.seq ?? 0);
    }
    case "acceptedWrites": {
      // Writes Graph charged to the budget: every write (sub-)request that was not refused with 429.
      let writes = 0;
      for (const entry of live().tenant.requestLog) if (entry.seq > request.afterSeq && entry.kind === "write" && entry.status !== 429) writes++;
      return writes;
    }
    case "minimalWriteTimeMs":
      return live().tenant.minimalWriteTimeMs(request.writes);
    case "joinCollection": {
      const { tenant: t, built: b } = live();
      return t.setCollectionMembers(b.joiningCollectionId, b.allMembers);
    }
    case "growCollection": {
      const { tenant: t, built: b } = live();
      return t.setCollectionMembers(b.joiningCollectionId, b.allMembers.slice(0, request.members));
    }
    case "grantWrites":
      return live().tenant.grantWrites(request.granted);
    case "groupSize":
      return live().tenant.groupMemberIds(request.groupId).length;
    case "close":
      await tenant?.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on("message", (message: { id: number; request: HostRequest }) => {
  handle(message.request).then(
    (value) => process.send?.({ id: message.id, ok: true, value } satisfies HostReply),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies HostReply),
  );
});

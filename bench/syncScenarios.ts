/**
 * S1–S3: one mapping of a 110,000-member device collection, synced by the real engine three ticks in a row —
 * initial sync into an empty group, an unchanged tick, and a tick after devices joined the collection.
 * S1u/S3u: the same for a 50,000-user collection (initial sync, then a tick after users joined).
 */
import { syncMapping } from "../shared/sync/syncMapping.js";
import type { SyncRun } from "../shared/core/syncRun.js";
import { figuresOf, type ScenarioFigures } from "./figures.js";
import { benchMapping, type Rig } from "./benchRig.js";
import { sampleMemory } from "./memorySampler.js";
import type { BenchOptions } from "./options.js";

export interface SyncScenarioResults {
  readonly S1: ScenarioFigures;
  readonly S2: ScenarioFigures;
  readonly S3: ScenarioFigures;
  readonly checks: { name: string; passed: boolean }[];
}

export async function runSyncScenarios(rig: Rig, options: BenchOptions): Promise<SyncScenarioResults> {
  const { ids } = rig.tenant;
  const ref = { collectionId: ids.deviceCollectionId, groupId: ids.deviceGroupId };
  await rig.stores.mappings.create(benchMapping(ref.collectionId, ref.groupId));
  const tick = () => syncMapping(rig.deps, { ...ref, trigger: "schedule" });

  const S1 = await measure(rig, tick);
  const afterS1 = await rig.tenant.groupSize(ref.groupId);
  const S2 = await measure(rig, tick);
  await rig.tenant.joinCollection();
  const S3 = await measure(rig, tick);
  const afterS3 = await rig.tenant.groupSize(ref.groupId);

  const checks = [
    { name: `S1 group holds the ${options.devices} Entra-joined devices`, passed: afterS1 === options.devices && S1.status === "succeeded" },
    { name: "S2 skipped as unchanged", passed: S2.status === "skipped-unchanged" },
    { name: `S3 group holds ${options.devices + options.joining} devices`, passed: afterS3 === options.devices + options.joining && S3.status === "succeeded" },
  ];
  return { S1, S2, S3, checks };
}

export interface UserScenarioResults {
  readonly S1u: ScenarioFigures;
  readonly S3u: ScenarioFigures;
  readonly checks: { name: string; passed: boolean }[];
}

export async function runUserScenarios(rig: Rig, options: BenchOptions): Promise<UserScenarioResults> {
  const { ids } = rig.tenant;
  const ref = { collectionId: ids.userCollectionId ?? "", groupId: ids.userGroupId };
  await rig.stores.mappings.create({ ...benchMapping(ref.collectionId, ref.groupId), memberType: "user" });
  const tick = () => syncMapping(rig.deps, { ...ref, trigger: "schedule" });
  const S1u = await measure(rig, tick);
  const afterS1u = await rig.tenant.groupSize(ref.groupId);
  await rig.tenant.joinCollection();
  const S3u = await measure(rig, tick);
  const afterS3u = await rig.tenant.groupSize(ref.groupId);
  const checks = [
    { name: `S1u group holds the ${options.users} users`, passed: afterS1u === options.users && S1u.status === "succeeded" },
    {
      name: `S3u group holds ${options.users + options.joiningUsers} users`,
      passed: afterS3u === options.users + options.joiningUsers && S3u.status === "succeeded",
    },
  ];
  return { S1u, S3u, checks };
}

async function measure(rig: Rig, tick: () => Promise<SyncRun>): Promise<ScenarioFigures> {
  const { tenant, watch } = rig;
  await tenant.resetCounters();
  watch.reset();
  const firstSeq = await tenant.lastSeq();
  const memory = sampleMemory();
  const started = performance.now();
  let run: SyncRun;
  let peak: { rssMiB: number; heapMiB: number };
  try {
    run = await tick();
  } finally {
    peak = memory.stop();
  }
  const wallMs = performance.now() - started;
  const counters = await tenant.counters();
  return figuresOf(counters, {
    wallMs: Math.round(wallMs),
    writePhaseMs: Math.round(watch.writeMs),
    throttleMinMs: Math.round(await tenant.minimalWriteTimeMs(await tenant.acceptedWrites(firstSeq))),
    peakRssMiB: peak.rssMiB,
    peakHeapMiB: peak.heapMiB,
    resolutionRequests: watch.resolutionRequests,
    status: run.status,
  });
}

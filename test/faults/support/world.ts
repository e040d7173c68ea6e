import type { TokenCredential } from "@azure/identity";
import { createAdminServiceSourceProvider } from "../../../shared/configmgr/adminServiceSource.js";
import { createGraphDirectoryProvider } from "../../../shared/graph/graphDirectoryProvider.js";
import type { Logger } from "../../../shared/logger.js";
import { silentLogger } from "../../../shared/logger.js";
import type { SyncMode } from "../../../shared/core/mapping.js";
import type { Clock } from "../../../shared/core/ports/clock.js";
import type { SyncDeps, SyncPolicy } from "../../../shared/sync/syncDeps.js";
import { syncMapping } from "../../../shared/sync/syncMapping.js";
import type { RunTrigger, SyncRun } from "../../../shared/core/syncRun.js";
import type { FaultHandle, FaultSpec, SimulatorSeed } from "../../../simulator/index.js";
import { fakeClock, type FakeClock } from "../../scheduling/fakeClock.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, scenarioSeed } from "../../support/fixtures.js";
import { startSyncHarness, type SyncHarness } from "../../support/syncHarness.js";

export const REF = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID } as const;
export const MAPPING_KEY = `${DEVICE_COLLECTION}_${GROUP_ID}`;
/** The engine's time budget in these tests (the Flex Consumption default timeout minus a margin). */
export const TIME_BUDGET_MS = 25 * 60_000;

/** The object id group membership uses for device number `n` (fixtures.entraDevice). */
export const objectIdOf = (n: number): string => entraDevice(n).objectId as string;
export const resourceIdOf = (n: number): number => entraDevice(n).system.ResourceId;

/**
 * A mapping's world before the run under test: who is in the collection, who is in Entra (and was put into the
 * group by hand), and the mode. Device numbers stand for whole fixtures (ConfigMgr system + Entra device).
 */
export interface Scenario {
  readonly mode: SyncMode;
  /** Devices in the collection. */
  readonly collection: readonly number[];
  /** Devices that exist in Entra and ConfigMgr but not in the collection (candidates for hand-adds). */
  readonly others?: readonly number[];
  /** Devices put into the group by hand before any sync. */
  readonly handAdded?: readonly number[];
}

export function seedOf(scenario: Scenario): SimulatorSeed {
  const all = new Set([...scenario.collection, ...(scenario.others ?? []), ...(scenario.handAdded ?? [])]);
  const collection = scenario.collection.map((n) => entraDevice(n));
  const others = [...all].filter((n) => !scenario.collection.includes(n)).map((n) => entraDevice(n));
  return scenarioSeed({ collection, others, groupMembers: (scenario.handAdded ?? []).map(objectIdOf) });
}

/** A worker process's view: its own Graph connection and throttle budget, the shared tables and tenant. */
export interface WorkerOptions {
  readonly maxConcurrency?: number;
  readonly credential?: TokenCredential;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** AdminService per-request timeout (real time: the simulator's hang is real). */
  readonly sourceTimeoutMs?: number;
  readonly wrap?: (deps: SyncDeps) => SyncDeps;
}

export interface FaultWorld extends SyncHarness {
  readonly clock: FakeClock;
  readonly scenario: Scenario;
  /** Adds a scripted fault and remembers it, so the scenario can say how many faults it injected. */
  fault(spec: FaultSpec): FaultHandle;
  /** Faults that hit so far (scripted ones plus those the test counted itself with `countFault`). */
  faultsInjected(): number;
  countFault(n?: number): void;
  /** Builds another worker's dependencies (another host: own Graph client, same tables and tenant). */
  worker(options?: WorkerOptions): SyncDeps;
  run(deps?: SyncDeps, options?: { workerId?: string; trigger?: RunTrigger }): Promise<SyncRun>;
  members(): Set<string>;
  ledger(): Promise<Set<string>>;
  /** Moves ConfigMgr's collection to these devices (LastMemberChangeTime moves too). */
  setCollection(devices: readonly number[]): void;
}

export async function startFaultWorld(
  scenario: Scenario,
  options: { policy?: Partial<SyncPolicy>; maxConcurrency?: number; log?: Logger } = {},
): Promise<FaultWorld> {
  const clock = fakeClock();
  const log = options.log ?? silentLogger;
  const harness = await startSyncHarness({
    seed: seedOf(scenario),
    clock,
    log,
    policy: { timeBudgetMs: TIME_BUDGET_MS, leaseMs: TIME_BUDGET_MS + 60_000, ...options.policy },
    simulator: { now: clock.now },
    maxConcurrency: options.maxConcurrency ?? 4,
  });
  await harness.addMapping({ ...REF, mode: scenario.mode });
  const handles: FaultHandle[] = [];
  let counted = 0;

  const worker = (workerOptions: WorkerOptions = {}): SyncDeps => {
    const workerClock = workerOptions.clock ?? clock;
    const credential = workerOptions.credential ?? null;
    const deps: SyncDeps = {
      ...harness.deps,
      clock: workerClock,
      log: workerOptions.log ?? log,
      directories: createGraphDirectoryProvider({
        baseUrl: harness.tenant.graphBaseUrl,
        credentialFor: () => credential,
        maxConcurrency: workerOptions.maxConcurrency ?? options.maxConcurrency ?? 4,
        clock: workerClock,
        log: workerOptions.log ?? log,
        random: () => 0.5,
      }),
      sources: createAdminServiceSourceProvider({
        baseUrl: harness.tenant.adminServiceUrl,
        identityCache: harness.stores.sourceIdentities,
        now: () => workerClock.now(),
        ...(workerOptions.sourceTimeoutMs === undefined ? {} : { timeoutMs: workerOptions.sourceTimeoutMs }),
      }),
    };
    return workerOptions.wrap ? workerOptions.wrap(deps) : deps;
  };

  return {
    ...harness,
    clock,
    scenario,
    fault(spec) {
      const handle = harness.tenant.faults.add(spec);
      handles.push(handle);
      return handle;
    },
    faultsInjected: () => handles.reduce((sum, h) => sum + h.hits, counted),
    countFault: (n = 1) => void (counted += n),
    worker,
    run: (deps = harness.deps, runOptions = {}) =>
      syncMapping(deps, { ...REF, trigger: runOptions.trigger ?? "schedule", ...(runOptions.workerId ? { workerId: runOptions.workerId } : {}) }),
    members: () => new Set(harness.tenant.groupMemberIds(GROUP_ID)),
    ledger: () => harness.stores.ledger.list(MAPPING_KEY),
    setCollection: (devices) => {
      clock.advance(60_000);
      harness.tenant.setCollectionMembers(DEVICE_COLLECTION, devices.map(resourceIdOf));
    },
  };
}

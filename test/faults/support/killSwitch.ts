import type { Clock } from "../../../shared/core/ports/clock.js";
import type { SyncDeps } from "../../../shared/sync/syncDeps.js";

/** What a worker process sees after the host killed it: nothing it calls answers any more. */
export class WorkerKilled extends Error {
  constructor() {
    super("the worker process was killed");
  }
}

export interface KillSwitch {
  kill(): void;
  readonly killed: boolean;
  /** The worker's clock: reading it or sleeping after the kill throws, so its code stops where it stands. */
  readonly clock: Clock;
  /** Wraps a worker's dependencies so that every store call after the kill throws too (no run record, no state, no ledger). */
  wrap(deps: SyncDeps): SyncDeps;
}

/**
 * A process kill for an in-process worker. Requests already on the wire still land (as they would when a
 * Functions host is stopped), but the worker's code gets no further: its clock and stores throw from then on, so
 * it neither records its run nor releases its lease, exactly as a dead process would leave things.
 */
export function killSwitch(clock: Clock): KillSwitch {
  let killed = false;
  const alive = () => {
    if (killed) throw new WorkerKilled();
  };
  const deadClock: Clock = {
    now: () => {
      alive();
      return clock.now();
    },
    sleep: async (ms) => {
      alive();
      await clock.sleep(ms);
      alive();
    },
  };
  const guard = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          alive();
          return (value as (...a: unknown[]) => unknown).apply(object, args);
        };
      },
    });
  return {
    kill: () => void (killed = true),
    get killed() {
      return killed;
    },
    clock: deadClock,
    wrap: (deps) => ({
      ...deps,
      clock: deadClock,
      mappings: guard(deps.mappings),
      state: guard(deps.state),
      runs: guard(deps.runs),
      ledger: guard(deps.ledger),
      resolution: deps.resolution === null ? null : guard(deps.resolution),
    }),
  };
}

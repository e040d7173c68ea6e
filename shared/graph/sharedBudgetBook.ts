/**
 * A tenant's Graph budget kept in one Table Storage row that every instance of the app reads and writes with its
 * ETag (If-Match; a single-entity write, since Azurite ignores If-Match inside batch transactions). Each request's
 * reservation is one read and one conditional write; an instance that loses the race reads again. Nothing is
 * held: a reservation is spent within `horizonMs`, so an instance that is killed strands at most that much.
 *
 * Storage must never stop a sync: when the table cannot be reached (or keeps answering conflicts), the budget is
 * kept in this process's memory and the table is tried again after `offlineMs`. The row lists the instances that
 * changed it in the last minute, so an instance that loses the table paces at its share of the last state it read
 * (rate and burst divided by the instances seen, no balance in hand) rather than as if it were alone; Graph's 429s
 * teach the rest.
 */
import { randomUUID } from "node:crypto";
import { ConcurrencyError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../core/ports/clock.js";
import { offlineShare, type BudgetState } from "./budgetModel.js";
import { localBudgetBook, type BudgetBook } from "./tenantBudget.js";

export interface StoredBudget {
  readonly state: BudgetState;
  readonly etag: string;
}

/** The port the table adapter implements (shared/storage/budgetTable.ts). */
export interface BudgetStore {
  read(tenantKey: string): Promise<StoredBudget | null>;
  /** Creates the row (etag null) or replaces it if unchanged since read; ConcurrencyError when another wrote first. */
  write(tenantKey: string, state: BudgetState, etag: string | null): Promise<void>;
}

export interface SharedBudgetOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** How long to pace from memory after the table failed. Default 30 s. */
  readonly offlineMs?: number;
  /** Conflicts in a row before one reservation is made from memory. Default 20. */
  readonly attempts?: number;
  readonly random?: () => number;
  /** This instance's id in the row's list of instances (default: random). */
  readonly instanceId?: string;
}

/** An instance that has not changed the row for this long no longer counts as sharing it. */
const INSTANCE_SEEN_MS = 60_000;

export function sharedBudgetBook(store: BudgetStore, tenantKey: string, options: SharedBudgetOptions): BudgetBook {
  const { clock, log } = options;
  const offlineMs = options.offlineMs ?? 30_000;
  const attempts = options.attempts ?? 20;
  const random = options.random ?? Math.random;
  const local = localBudgetBook();
  let offlineUntil = 0;
  const instanceId = options.instanceId ?? randomUUID();

  /** The instances seen lately, this one included (stale ones dropped), to be written with the state. */
  function liveInstances(stored: BudgetState | undefined): Record<string, number> {
    const now = clock.now();
    const live: Record<string, number> = {};
    for (const [id, seenAt] of Object.entries(stored?.instances ?? {})) if (now - seenAt < INSTANCE_SEEN_MS) live[id] = seenAt;
    live[instanceId] = now;
    return live;
  }
  // One change at a time from this process: its own requests should queue, not race each other for the ETag.
  let queue: Promise<unknown> = Promise.resolve();

  async function fromTable<T>(step: (state: BudgetState | null) => { readonly state: BudgetState | null; readonly result: T }): Promise<T> {
    if (clock.now() < offlineUntil) return local.change(step);
    try {
      for (let attempt = 0; attempt < attempts; attempt++) {
        const stored = await store.read(tenantKey);
        if (offlineUntil !== 0) {
          log.info("Shared Graph budget reachable again", { tenantKey });
          offlineUntil = 0;
        }
        const outcome = step(stored?.state ?? null);
        local.state = outcome.state ?? stored?.state ?? local.state;
        if (outcome.state === null) return outcome.result;
        try {
          const written: BudgetState = { ...outcome.state, instances: liveInstances(stored?.state) };
          await store.write(tenantKey, written, stored?.etag ?? null);
          local.state = written;
          return outcome.result;
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) throw error;
          await clock.sleep(Math.round(random() * 10 * (attempt + 1)));
        }
      }
      log.warn("Shared Graph budget kept changing under this instance; one request paced from memory", { tenantKey, attempts });
    } catch (error) {
      offlineUntil = clock.now() + offlineMs;
      // Pace from memory as one of the instances last seen sharing the row, not as if alone with its balance.
      if (local.state !== null) local.state = offlineShare(local.state, Object.keys(liveInstances(local.state)).length);
      log.warn("Shared Graph budget unreachable; this instance paces Graph from memory for now", {
        tenantKey,
        offlineMs,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return local.change(step);
  }

  return {
    change(step) {
      const next = queue.then(() => fromTable(step));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

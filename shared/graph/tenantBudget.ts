/**
 * A tenant's Graph budget as the transport uses it: reserve what a request will cost before sending it, report the
 * 429s Graph answered. The arithmetic is budgetModel.ts; where the state lives is a BudgetBook — this process's
 * memory, or one Table Storage row shared by every instance of the app (sharedBudgetBook.ts), so that eight
 * instances together send what one tenant's budget sustains instead of eight times that.
 */
import type { Clock } from "../core/ports/clock.js";
import {
  acceptedWrites,
  initialBudget,
  release as releaseReservation,
  reserve,
  throttled,
  type BudgetKind,
  type BudgetLimits,
  type BudgetState,
  type Cost,
} from "./budgetModel.js";
import type { Admission } from "./throttle.js";

/** Where a budget's state is kept. `change` applies `step` atomically; a null state from `step` writes nothing. */
export interface BudgetBook {
  change<T>(step: (state: BudgetState | null) => { readonly state: BudgetState | null; readonly result: T }): Promise<T>;
}

/** A reservation in hand: what it is for, and when it was made. */
export interface Ticket {
  readonly reservedAt: number;
  readonly cost: Cost;
}

export type Reserved = { readonly admitted: true; readonly ticket: Ticket } | Exclude<Admission, { readonly admitted: true }>;

export interface TenantBudget {
  /** Waits until `cost` may be sent. Refuses (nothing reserved) when sending would have to wait past `deadline`. */
  reserve(cost: Cost, deadline?: number): Promise<Reserved>;
  /**
   * Right before sending: false when a 429 was heard after the reservation was made. The wait Graph asked for
   * voids it (sent together once the wait is over, such requests meet a bucket that refilled for a moment only), so
   * it is given back and the caller reserves again.
   */
  keep(ticket: Ticket): Promise<boolean>;
  /** Graph refused `refused` (sub-)requests of this kind, sent at `sentAt`, with 429 and asked to wait `retryAfterMs`. */
  throttled(kind: BudgetKind, refused: number, retryAfterMs: number, sentAt: number): Promise<void>;
  /** Graph accepted `writes` write (sub-)requests: folded into the next change of the budget, to measure its rate. */
  accepted(writes: number): void;
  /** Graph charged `units` resource units more than reserved (`x-ms-resource-unit`): the next reservation pays them. */
  charged(units: number): void;
}

/** How long before asking again, at least (a rounding remainder must not turn into a busy loop). */
const MIN_POLL_MS = 5;

export function createTenantBudget(book: BudgetBook, limits: BudgetLimits, clock: Clock): TenantBudget {
  let owedUnits = 0;
  /** When this process last heard of a 429 (clock ms): reservations made before it are given back, not sent. */
  let lastThrottledAt = Number.NEGATIVE_INFINITY;
  /** Writes Graph accepted that the book does not know yet. */
  let unreported = 0;

  // Times are absolute, and each sleep is measured from the clock right before it: callers that were answered
  // together must not add their waits up.
  type Step =
    | { readonly admitted: true; readonly sendAt: number; readonly reservedAt: number }
    | { readonly admitted: false; readonly waitMs: number; readonly askAt: number; readonly final: boolean };

  async function reserveOnce(cost: Cost, deadline: number | undefined): Promise<Step> {
    const owed = owedUnits;
    const reporting = unreported;
    const wanted: Cost = { writes: cost.writes, units: cost.units + owed };
    const step = await book.change<Step>((state) => {
      // Read the time when the state is in hand: waiting for the table must not make the reservation stale.
      const now = clock.now();
      const answer = reserve(acceptedWrites(state ?? initialBudget(limits, now), reporting), wanted, now, limits);
      if (!answer.granted) {
        const final = deadline !== undefined && now + answer.readyInMs > deadline;
        return { state: null, result: { admitted: false, waitMs: answer.readyInMs, askAt: now + Math.max(MIN_POLL_MS, answer.waitMs), final } };
      }
      if (deadline !== undefined && now + answer.delayMs > deadline) {
        return { state: null, result: { admitted: false, waitMs: answer.delayMs, askAt: now, final: true } };
      }
      return { state: answer.state, result: { admitted: true, sendAt: now + answer.delayMs, reservedAt: now } };
    });
    if (step.admitted) {
      owedUnits = Math.max(0, owedUnits - owed);
      unreported -= reporting;
    }
    return step;
  }

  // One reservation of this process at a time (per line) asks the budget; the others queue behind it in order. Without
  // this every waiting request (jobs × requests in flight, in every instance) polls the shared row at the same
  // moment the budget refills: a herd that floods Table Storage and answers out of order. With it an instance is
  // one poller, and its jobs are served first come, first served.
  // Reads and writes queue apart: a read (a look-up, a page of the group) needs only resource units, and must not
  // wait behind writes that wait for the write budget to refill — that would stall runs still reading while
  // others write.
  const turns: Record<"reads" | "writes", Promise<void>> = { reads: Promise.resolve(), writes: Promise.resolve() };

  async function admit(
    cost: Cost,
    deadline: number | undefined,
  ): Promise<{ readonly admitted: true; readonly sendAt: number; readonly reservedAt: number } | Exclude<Admission, { readonly admitted: true }>> {
    for (;;) {
      const step = await reserveOnce(cost, deadline);
      if (step.admitted) return step;
      if (step.final) return { admitted: false, waitMs: step.waitMs };
      const wait = step.askAt - clock.now();
      if (wait > 0) await clock.sleep(wait);
    }
  }

  async function reserveTurn(cost: Cost, deadline: number | undefined): Promise<Reserved> {
    const line = cost.writes > 0 ? "writes" : "reads";
    const previous = turns[line];
    let release = () => {};
    turns[line] = new Promise<void>((resolve) => (release = resolve));
    let answer;
    try {
      await previous;
      answer = await admit(cost, deadline);
    } finally {
      release();
    }
    if (!("sendAt" in answer)) return answer;
    // Reserved: the next in line may reserve ahead while this one waits for its moment.
    const wait = answer.sendAt - clock.now();
    if (wait > 0) await clock.sleep(wait);
    return { admitted: true, ticket: { reservedAt: answer.reservedAt, cost } };
  }

  return {
    reserve: reserveTurn,

    async keep(ticket) {
      if (lastThrottledAt < ticket.reservedAt) return true;
      await book.change((state) => ({ state: state === null ? null : releaseReservation(state, ticket.cost, clock.now(), limits), result: undefined }));
      return false;
    },

    async throttled(kind, refused, retryAfterMs, sentAt) {
      lastThrottledAt = clock.now();
      const reporting = unreported;
      await book.change((state) => {
        const now = clock.now();
        return {
          state: throttled(acceptedWrites(state ?? initialBudget(limits, now), reporting), kind, { refused, retryAfterMs, sentAt }, now, limits),
          result: undefined,
        };
      });
      unreported -= reporting;
    },

    accepted(writes) {
      if (writes > 0) unreported += writes;
    },

    charged(units) {
      if (units > 0) owedUnits += units;
    },
  };
}

/** A budget kept in this process's memory: the only budget when there is no shared table, and the fallback. */
export function localBudgetBook(): BudgetBook & { state: BudgetState | null } {
  let state: BudgetState | null = null;
  return {
    get state() {
      return state;
    },
    set state(value) {
      state = value;
    },
    async change(step) {
      const outcome = step(state);
      if (outcome.state !== null) state = outcome.state;
      return outcome.result;
    },
  };
}

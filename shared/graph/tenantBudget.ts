/**
 * A tenant's Graph budget as the transport uses it: reserve what a request will cost before sending it, report the
 * 429s Graph answered. The arithmetic is budgetModel.ts; where the state lives is a BudgetBook — this process's
 * memory, or one Table Storage row shared by every instance of the app (sharedBudgetBook.ts), so that eight
 * instances together send what one tenant's budget sustains instead of eight times that.
 */
import type { Clock } from "../core/ports/clock.js";
import { initialBudget, reserve, throttled, type BudgetKind, type BudgetLimits, type BudgetState, type Cost } from "./budgetModel.js";
import type { Admission } from "./throttle.js";

/** Where a budget's state is kept. `change` applies `step` atomically; a null state from `step` writes nothing. */
export interface BudgetBook {
  change<T>(step: (state: BudgetState | null) => { readonly state: BudgetState | null; readonly result: T }): Promise<T>;
}

export interface TenantBudget {
  /** Waits until `cost` may be sent. Refuses (nothing reserved) when sending would have to wait past `deadline`. */
  reserve(cost: Cost, deadline?: number): Promise<Admission>;
  /** Graph refused `refused` (sub-)requests of this kind, sent at `sentAt`, with 429 and asked to wait `retryAfterMs`. */
  throttled(kind: BudgetKind, refused: number, retryAfterMs: number, sentAt: number): Promise<void>;
  /** Graph charged `units` resource units more than reserved (`x-ms-resource-unit`): the next reservation pays them. */
  charged(units: number): void;
}

/** How long before asking again, at least (a rounding remainder must not turn into a busy loop). */
const MIN_POLL_MS = 5;

export function createTenantBudget(book: BudgetBook, limits: BudgetLimits, clock: Clock): TenantBudget {
  let owedUnits = 0;

  // Times are absolute, and each sleep is measured from the clock right before it: callers that were answered
  // together must not add their waits up.
  type Step = { readonly admitted: true; readonly sendAt: number } | { readonly admitted: false; readonly waitMs: number; readonly askAt: number; readonly final: boolean };

  async function reserveOnce(cost: Cost, deadline: number | undefined): Promise<Step> {
    const owed = owedUnits;
    const wanted: Cost = { writes: cost.writes, units: cost.units + owed };
    const step = await book.change<Step>((state) => {
      // Read the time when the state is in hand: waiting for the table must not make the reservation stale.
      const now = clock.now();
      const answer = reserve(state ?? initialBudget(limits, now), wanted, now, limits);
      if (!answer.granted) {
        const final = deadline !== undefined && now + answer.readyInMs > deadline;
        return { state: null, result: { admitted: false, waitMs: answer.readyInMs, askAt: now + Math.max(MIN_POLL_MS, answer.waitMs), final } };
      }
      if (deadline !== undefined && now + answer.delayMs > deadline) {
        return { state: null, result: { admitted: false, waitMs: answer.delayMs, askAt: now, final: true } };
      }
      return { state: answer.state, result: { admitted: true, sendAt: now + answer.delayMs } };
    });
    if (step.admitted) owedUnits = Math.max(0, owedUnits - owed);
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

  async function admit(cost: Cost, deadline: number | undefined): Promise<{ readonly admitted: true; readonly sendAt: number } | Admission> {
    for (;;) {
      const step = await reserveOnce(cost, deadline);
      if (step.admitted) return step;
      if (step.final) return { admitted: false, waitMs: step.waitMs };
      const wait = step.askAt - clock.now();
      if (wait > 0) await clock.sleep(wait);
    }
  }

  return {
    async reserve(cost, deadline) {
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
      return { admitted: true };
    },

    async throttled(kind, refused, retryAfterMs, sentAt) {
      await book.change((state) => {
        const now = clock.now();
        return { state: throttled(state ?? initialBudget(limits, now), kind, { refused, retryAfterMs, sentAt }, now, limits), result: undefined };
      });
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

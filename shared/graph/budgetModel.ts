/**
 * The arithmetic of a tenant's Graph budget as this app sees it: a mirror of Graph's own token buckets
 * (docs/service-facts.md, throttling) — one for writes (documented 3,000 per 2.5 min per app and tenant) and one for
 * resource units (3,500 per 10 s for the smallest tenants) — that starts from the documented limits and learns
 * the real ones from Graph's 429s. Pure functions over plain data, so one copy can live in memory (one process)
 * and one in a Table Storage row (every instance of the app), with the same behaviour.
 *
 * Learning, per bucket:
 * - A 429 means Graph's bucket is empty right now. Between two 429s (Graph's bucket empty at both ends, and ours
 *   never rested full in between) the writes Graph accepted equal what its bucket refilled: accepted ÷ elapsed is
 *   the sustainable rate, measured, not guessed; 90 % of it is paced at (never faster than before the 429, never
 *   below a quarter of it). The first 429 with nothing to measure against cuts the rate by a tenth.
 * - A 429 while the mirror still believed it held budget means the burst is smaller than assumed: the capacity
 *   shrinks by what the mirror believed it still had.
 * - After a 429 the balance is emptied and nothing goes out until `Retry-After` has passed.
 * - A learned rate or capacity below the documented one grows back towards it (by e every `recoverMs`), so a
 *   budget that was shared with someone else for a while is used fully again once they stop; the next 429 measures
 *   again. Nothing grows above the documented limits.
 * Reservations may run ahead of the refill by at most `horizonMs`: that queue is how instances take turns, and it
 * bounds what a 429 can catch in flight.
 */

export type BudgetKind = "writes" | "units";
export const BUDGET_KINDS: readonly BudgetKind[] = ["writes", "units"];

export interface Bucket {
  /** Per second the budget sustains (learned). */
  readonly rate: number;
  /** What a rested budget lets through at once (learned). */
  readonly capacity: number;
  /** Available now; negative = reserved ahead of the refill. */
  readonly tokens: number;
  /** Reserved in total, and refused with 429 in total. */
  readonly granted: number;
  readonly refused: number;
  /** Graph's last `Retry-After`: nothing goes out before this, epoch ms (0 = none). */
  readonly notBefore: number;
  /** When the last 429 was seen (null: none since the budget last rested full) and granted − refused then. */
  readonly throttledAt: number | null;
  readonly acceptedAtThrottle: number;
  /**
   * Writes only: what Graph accepted in total, as reported from its answers (every instance adds its own). The
   * rate between two 429s is measured from it; without it (a row written before it existed), from granted − refused.
   */
  readonly accepted?: number;
  /** Writes only: the earliest time the next write may go (epoch ms), spending the burst at BURST_PACE × rate. */
  readonly paceAt?: number;
}

export interface BudgetState {
  /** When the buckets were last brought up to date, epoch ms. */
  readonly at: number;
  readonly writes: Bucket;
  readonly units: Bucket;
  /** Instances that changed the shared row lately (id → epoch ms); kept by the shared book, not by this model. */
  readonly instances?: Readonly<Record<string, number>>;
}

export type Cost = Readonly<Record<BudgetKind, number>>;

export interface BucketLimit {
  readonly rate: number;
  readonly capacity: number;
}

export interface BudgetLimits {
  /** What is assumed before anything is learned, and the ceiling of what is learned by drifting back. */
  readonly writes: BucketLimit;
  readonly units: BucketLimit;
  /** How far ahead of the refill reservations may run. */
  readonly horizonMs: number;
  /** A learned rate/capacity below the documented one grows back by e in this time. */
  readonly recoverMs: number;
  /** Two 429s closer together than this are one throttle event (no rate is measured between them). */
  readonly minMeasureMs: number;
}

/** Graph's documented per app+tenant limits for the smallest tenants (under 50 users): never too high for any tenant. */
export const DOCUMENTED_LIMITS: BudgetLimits = {
  writes: { rate: 3_000 / 150, capacity: 3_000 },
  units: { rate: 3_500 / 10, capacity: 3_500 },
  horizonMs: 2_000,
  recoverMs: 900_000,
  minMeasureMs: 1_000,
};

/** The limits with every rate and capacity multiplied (a load test's simulated tenant with a scaled budget). */
export function scaledLimits(limits: BudgetLimits, scale: number): BudgetLimits {
  const times = (bucket: { rate: number; capacity: number }) => ({ rate: bucket.rate * scale, capacity: bucket.capacity * scale });
  return { ...limits, writes: times(limits.writes), units: times(limits.units) };
}

/**
 * The share of a measured rate paced at: Graph's bucket, empty at the 429, fills a little again, so the slow
 * growth back towards the documented rate takes a while to overrun it (fewer 429s per probe).
 */
const MEASURED_SHARE = 0.9;
/** A 429 with nothing to measure against (the first since the budget rested) cuts the pace by a tenth. */
const FIRST_CUT = 0.9;
/**
 * The burst is spent at no more than this multiple of the sustained write rate. Total time does not change: Graph's
 * bucket refills whenever it is not full, and it stops being full at the first write, so by the time the refill
 * alone would have allowed the writes they are all out (3,000 writes at 60/s: the bucket is empty after 75 s and
 * 4,500 writes, as fast as spending it at once and then 20/s). What it buys:
 * - a burst smaller than the mirror believes (other apps spend the tenant's budget) is found with about one
 *   `$batch` in flight, so Graph refuses a few writes, not every sub-request of every batch in flight;
 * - while several instances share the budget, it goes to every run that reaches its writes in that minute, not to
 *   whichever writes first.
 * Alone, an instance speeds up as the burst proves itself (SLOW_START_MS below).
 */
export const BURST_PACE = 3;
/**
 * One instance alone speeds up as the burst proves itself (slow start): it may spend, per this time, what it has
 * already spent of the burst without a 429. 60 writes in the first second, then about e-fold every second: 3,000
 * writes take ~5 s, so a large burst is not held back behind a small sustained rate (3,000 at 5/s would take a
 * minute at 3× the rate), while a burst of 100 is still found with a batch or two in flight.
 */
const SLOW_START_MS = 1_000;
/** The most one 429 cuts the pace to. */
const MAX_CUT = 0.25;

export type Reservation =
  | { readonly granted: true; readonly state: BudgetState; /** wait this long, then send */ readonly delayMs: number }
  | {
      readonly granted: false;
      /** ask again after this long */
      readonly waitMs: number;
      /** the soonest this cost could go out (for a caller deciding whether to wait at all) */
      readonly readyInMs: number;
    };

/**
 * What one of `instances` instances may assume while it cannot reach the shared row: an even share of the rate
 * and capacity it last saw, and no balance in hand (the others may have spent it meanwhile). The 429s teach the
 * rest.
 */
export function offlineShare(state: BudgetState, instances: number): BudgetState {
  const n = Math.max(1, instances);
  const share = (b: Bucket): Bucket => ({ ...b, rate: b.rate / n, capacity: b.capacity / n, tokens: Math.min(b.tokens, 0) });
  return { at: state.at, writes: share(state.writes), units: share(state.units) };
}

export function initialBudget(limits: BudgetLimits, now: number): BudgetState {
  const bucket = (limit: BucketLimit): Bucket => ({
    rate: limit.rate,
    capacity: limit.capacity,
    tokens: limit.capacity,
    notBefore: 0,
    granted: 0,
    refused: 0,
    throttledAt: null,
    acceptedAtThrottle: 0,
  });
  return { at: now, writes: bucket(limits.writes), units: bucket(limits.units) };
}

/** The buckets refilled (and learned values drifted back) up to `now`. */
export function advance(state: BudgetState, now: number, limits: BudgetLimits): BudgetState {
  const elapsed = Math.max(0, now - state.at);
  if (elapsed === 0) return state;
  // Relative growth (e-fold per recoverMs): a budget learned far below the documented one creeps up as slowly
  // in proportion as one just below it, so each probe past the real limit costs few 429s.
  const growth = Math.exp(elapsed / limits.recoverMs);
  const refill = (b: Bucket, limit: BucketLimit): Bucket => {
    const towards = (value: number, target: number) => (value < target ? Math.min(target, value * growth) : value);
    const capacity = towards(b.capacity, limit.capacity);
    const tokens = b.tokens + (b.rate * elapsed) / 1000;
    // Rested full: Graph's bucket may have wasted refill, so the next 429 cannot measure a rate from this window.
    if (tokens >= capacity) return { ...b, rate: towards(b.rate, limit.rate), capacity, tokens: capacity, throttledAt: null };
    return { ...b, rate: towards(b.rate, limit.rate), capacity, tokens };
  };
  return { ...state, at: now, writes: refill(state.writes, limits.writes), units: refill(state.units, limits.units) };
}

/** Reserves `cost` now or says how long to wait before asking again. */
export function reserve(state: BudgetState, cost: Cost, now: number, limits: BudgetLimits): Reservation {
  const shared = Object.keys(state.instances ?? {}).length >= 2;
  const current = advance(state, now, limits);
  let waitMs = 0;
  let readyInMs = 0;
  let delayMs = 0;
  const next: Record<BudgetKind, Bucket> = { writes: current.writes, units: current.units };
  for (const kind of BUDGET_KINDS) {
    const amount = cost[kind];
    if (amount <= 0) continue;
    const b = current[kind];
    const floor = (-b.rate * limits.horizonMs) / 1000;
    const blockedFor = Math.max(0, b.notBefore - now);
    // A rested bucket always admits, so a request larger than the whole capacity cannot wait forever.
    const overdrawn = b.tokens - amount < floor && b.tokens < b.capacity;
    if (blockedFor > 0 || overdrawn) {
      waitMs = Math.max(waitMs, blockedFor, overdrawn ? ((amount + floor - b.tokens) / b.rate) * 1000 : 0);
      readyInMs = Math.max(readyInMs, blockedFor, ((amount - b.tokens) / b.rate) * 1000);
      continue;
    }
    let paceAt = b.paceAt;
    if (kind === "writes") {
      const paceWait = Math.max(0, (b.paceAt ?? 0) - now);
      if (paceWait > limits.horizonMs) {
        waitMs = Math.max(waitMs, paceWait - limits.horizonMs);
        readyInMs = Math.max(readyInMs, paceWait);
        continue;
      }
      delayMs = Math.max(delayMs, paceWait);
      const proven = shared ? 0 : ((b.capacity - b.tokens) * 1000) / SLOW_START_MS;
      paceAt = now + paceWait + (amount / Math.max(BURST_PACE * b.rate, proven)) * 1000;
    }
    const tokens = b.tokens - amount;
    next[kind] = { ...b, tokens, granted: b.granted + amount, ...(paceAt === undefined ? {} : { paceAt }) };
    delayMs = Math.max(delayMs, tokens < 0 ? (-tokens / b.rate) * 1000 : 0);
  }
  if (waitMs > 0) return { granted: false, waitMs: Math.ceil(waitMs), readyInMs: Math.ceil(readyInMs) };
  return { granted: true, state: { ...current, ...next }, delayMs: Math.ceil(delayMs) };
}

/**
 * Gives back a reservation that was not sent: a 429 came between reserving and sending, so the wait it asked for
 * voids every reservation made before it (sent all together once it has passed, they would meet a bucket that
 * refilled for a moment only). The request reserves again, behind the 429.
 */
export function release(state: BudgetState, cost: Cost, now: number, limits: BudgetLimits): BudgetState {
  const current = advance(state, now, limits);
  // Only a debt is given back: the 429 emptied the balance, and what it was paid from is gone with it.
  const giveBack = (b: Bucket, amount: number): Bucket =>
    amount <= 0 ? b : { ...b, tokens: b.tokens < 0 ? Math.min(0, b.tokens + amount) : b.tokens, granted: b.granted - amount };
  return { ...current, writes: giveBack(current.writes, cost.writes), units: giveBack(current.units, cost.units) };
}

/** Graph accepted `writes` more write (sub-)requests (answers other than 429). */
export function acceptedWrites(state: BudgetState, writes: number): BudgetState {
  if (writes <= 0) return state;
  return { ...state, writes: { ...state.writes, accepted: (state.writes.accepted ?? 0) + writes } };
}

export interface Refusal {
  /** (Sub-)requests Graph answered 429. */
  readonly refused: number;
  readonly retryAfterMs: number;
  /** When they were sent: refusals of requests sent before the last 429 was known belong to that 429. */
  readonly sentAt: number;
}

export function throttled(state: BudgetState, kind: BudgetKind, refusal: Refusal, now: number, limits: BudgetLimits): BudgetState {
  const { refused, retryAfterMs } = refusal;
  const current = advance(state, now, limits);
  const b = current[kind];
  const limit = limits[kind];
  const refusedTotal = b.refused + refused;
  // Reserved but not yet due (a negative balance) has not reached Graph: it counts in the next window.
  const accepted = b.accepted ?? b.granted - refusedTotal - Math.max(0, -b.tokens);
  const sameEvent = b.throttledAt !== null && (refusal.sentAt <= b.throttledAt || now - b.throttledAt < limits.minMeasureMs);
  let rate = b.rate;
  let capacity = b.capacity;
  if (!sameEvent) {
    const measured = b.throttledAt === null ? null : (MEASURED_SHARE * (accepted - b.acceptedAtThrottle) * 1000) / (now - b.throttledAt);
    // A 429 says we were too fast: never faster after it, and at most a quarter of the pace per 429, so that a
    // window too short to count in (a few writes at a very low rate) cannot collapse the pace.
    rate = Math.min(b.rate, Math.max(b.rate * MAX_CUT, measured ?? b.rate * FIRST_CUT));
    // More than a second's worth still believed available: the burst Graph allows is smaller than the mirror's.
    const surprise = b.tokens - b.rate;
    if (surprise > 0) capacity = b.capacity - surprise;
  }
  rate = Math.max(limit.rate / 1_000, rate);
  capacity = Math.max(rate, capacity);
  const bucket: Bucket = {
    ...b,
    rate,
    capacity,
    tokens: Math.min(b.tokens, 0),
    notBefore: Math.max(b.notBefore, now + retryAfterMs),
    granted: b.granted,
    refused: refusedTotal,
    throttledAt: sameEvent ? b.throttledAt : now,
    // A new event starts the window at what Graph has accepted so far. Refusals of the same event that were sent
    // before it (in flight together) were counted as accepted when it started: they come off its start. Refusals
    // sent after it came off `accepted` already; the writes accepted since it still count in the window.
    // (Counted from Graph's answers, writes accepted are never refusals: nothing to take back.)
    acceptedAtThrottle: !sameEvent
      ? accepted
      : b.accepted !== undefined
        ? b.acceptedAtThrottle
        : b.acceptedAtThrottle - (b.throttledAt !== null && refusal.sentAt <= b.throttledAt ? refused : 0),
  };
  return { ...current, [kind]: bucket };
}

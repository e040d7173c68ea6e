/**
 * One throttle budget per tenant, shared by every run that talks to that tenant in this process.
 *
 * Graph's throttling is per app + tenant (docs/service-facts.md, `$batch`, throttling), so when one request is told to wait,
 * every request to that tenant waits: a shared "not before" time. Concurrency adapts: a throttle answer halves the
 * requests in flight (at most once per throttle window, so one burst of 429s does not collapse it to 1), and a
 * run of successes grows it back by one, never above the configured maximum. The sub-requests per `$batch` adapt
 * the same way (halved, then doubled back to 20): after a wait Graph's bucket has room for a few requests, not
 * for 20 × the batches in flight, and every throttled sub-request is a wasted request.
 */
import type { Clock } from "../core/ports/clock.js";

/** Sub-requests per `$batch` at most (docs/service-facts.md). */
export const MAX_BATCH_SIZE = 20;

export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly waitMs: number };

export class TenantThrottle {
  private limit: number;
  private batch = MAX_BATCH_SIZE;
  private inFlight = 0;
  private notBefore = 0;
  private halvedUntil = 0;
  private successes = 0;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly maxConcurrency: number,
    private readonly clock: Clock,
    /** Successful answers in a row before one more request may be in flight. */
    private readonly growAfter = 10,
  ) {
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be a whole number ≥ 1, got ${maxConcurrency}`);
    }
    this.limit = maxConcurrency;
  }

  /** Requests currently allowed in flight. */
  get concurrency(): number {
    return this.limit;
  }

  /** Sub-requests to put in the next `$batch`. */
  get batchSize(): number {
    return this.batch;
  }

  /** Milliseconds until the tenant may be called again (0 = now). */
  get waitMs(): number {
    return Math.max(0, this.notBefore - this.clock.now());
  }

  /**
   * Waits for the tenant's "not before" time and a free slot. When the wait would pass `deadline`, it does not
   * start waiting and says how long Graph asked for instead (the caller defers the work).
   */
  async acquire(deadline?: number): Promise<Admission> {
    for (;;) {
      const wait = this.waitMs;
      // Also when there is nothing to wait for: past the deadline (slow answers used the budget up) no new request
      // starts, so a function about to be stopped does not leave writes half sent; the caller defers them.
      if (deadline !== undefined && this.clock.now() + wait > deadline) return { admitted: false, waitMs: wait };
      if (wait > 0) {
        await this.clock.sleep(wait);
        continue;
      }
      if (this.inFlight < this.limit) {
        this.inFlight += 1;
        return { admitted: true };
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.wakeAll();
  }

  succeeded(): void {
    this.successes += 1;
    if (this.successes < this.growAfter) return;
    this.successes = 0;
    this.batch = Math.min(MAX_BATCH_SIZE, this.batch * 2);
    if (this.limit < this.maxConcurrency) {
      this.limit += 1;
      this.wakeAll();
    }
  }

  /** Graph asked us to wait `waitMs`: everyone in this tenant waits, and fewer requests go out at once. */
  throttled(waitMs: number): void {
    const now = this.clock.now();
    this.successes = 0;
    if (now >= this.halvedUntil) {
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.batch = Math.max(1, Math.floor(this.batch / 2));
      this.halvedUntil = now + waitMs;
    }
    this.notBefore = Math.max(this.notBefore, now + waitMs);
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

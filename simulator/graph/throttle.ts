/**
 * Graph's identity-and-access throttling as token buckets (docs/service-facts.md "Microsoft Graph: `$batch`, throttling, SDK"): per app+tenant
 * 3,500 / 5,000 / 8,000 resource units per 10 s by tenant size and 3,000 writes per 2.5 min; per tenant 18,000
 * writes per 5 min. The simulator is one app, so the per-app-across-tenants limits (150,000 RU / 20 s, 35,000
 * writes / 5 min) are modelled too, shared by all seeded tenants.
 */

export type TenantSize = "small" | "medium" | "large";

export interface ThrottleOptions {
  /** Multiplies every limit (benchmarks use e.g. 0.01 to reach the limits quickly, or 10 to relax them). */
  readonly scale?: number;
  /** Overrides the size derived from the tenant's user count (<50 small, 50–500 medium, >500 large). */
  readonly tenantSize?: TenantSize;
  /**
   * The write budget this app actually gets in every tenant, when other apps spend part of the tenant's 18,000
   * writes / 5 min: a bucket of `burst` writes refilled at `perSecond`, on top of (never above) the documented
   * ones. Not scaled by `scale`. Graph does not announce it; a client learns it only from its 429s.
   */
  readonly grantedWrites?: GrantedWrites;
}

export interface GrantedWrites {
  readonly perSecond: number;
  readonly burst: number;
}

export interface RequestCost {
  readonly resourceUnits: number;
  readonly writes: number;
}

export interface ThrottleRefusal {
  readonly retryAfterSeconds: number;
  readonly scope: string;
  readonly information: "ResourceUnitLimitExceeded" | "WriteLimitExceeded";
}

/** The simulated app's id, as it appears in `x-ms-throttle-scope`. */
export const SIMULATED_APP_ID = "5e1a7c3b-0000-4000-8000-c011ec710a5c";

const RU_PER_10S: Record<TenantSize, number> = { small: 3_500, medium: 5_000, large: 8_000 };
const APP_TENANT_WRITES = { amount: 3_000, windowMs: 150_000 };
const TENANT_WRITES = { amount: 18_000, windowMs: 300_000 };
const APP_RU = { amount: 150_000, windowMs: 20_000 };
const APP_WRITES = { amount: 35_000, windowMs: 300_000 };

export function tenantSizeFor(userCount: number): TenantSize {
  return userCount < 50 ? "small" : userCount <= 500 ? "medium" : "large";
}

/** Full at start, refilled continuously at capacity/window. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  constructor(
    readonly capacity: number,
    windowMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
    this.perMs = capacity / windowMs;
  }

  /** Milliseconds until `amount` tokens are available (0 = now). */
  waitFor(amount: number, now: number): number {
    this.refill(now);
    if (this.tokens >= amount) return 0;
    return (amount - this.tokens) / this.perMs;
  }

  take(amount: number, now: number): void {
    this.refill(now);
    this.tokens -= amount;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
    }
  }
}

interface NamedBucket {
  readonly bucket: TokenBucket;
  readonly unit: "ru" | "writes";
  readonly scope: string;
}

/** One app's buckets across all tenants, plus per-tenant buckets created on first use. */
export class GraphThrottle {
  private readonly appBuckets: NamedBucket[];
  private readonly tenantBuckets = new Map<string, NamedBucket[]>();
  private readonly scale: number;
  private granted: GrantedWrites | null;

  constructor(
    private readonly options: ThrottleOptions,
    private readonly now: () => number,
    private readonly userCountOf: (tenantId: string) => number,
  ) {
    this.scale = options.scale ?? 1;
    this.granted = options.grantedWrites ?? null;
    const t = now();
    const appScope = `Application/ReadWrite/${SIMULATED_APP_ID}`;
    this.appBuckets = [
      { bucket: new TokenBucket(APP_RU.amount * this.scale, APP_RU.windowMs, t), unit: "ru", scope: appScope },
      { bucket: new TokenBucket(APP_WRITES.amount * this.scale, APP_WRITES.windowMs, t), unit: "writes", scope: appScope },
    ];
  }

  /** Charges the cost, or refuses it (nothing is charged) with the wait the fullest bucket needs. */
  charge(tenantId: string, cost: RequestCost): ThrottleRefusal | null {
    const now = this.now();
    const buckets = [...this.bucketsFor(tenantId, now), ...this.appBuckets];
    let worst: { wait: number; named: NamedBucket } | null = null;
    for (const named of buckets) {
      const amount = named.unit === "ru" ? cost.resourceUnits : cost.writes;
      if (amount === 0) continue;
      const wait = named.bucket.waitFor(amount, now);
      if (wait > 0 && (!worst || wait > worst.wait)) worst = { wait, named };
    }
    if (worst) {
      return {
        retryAfterSeconds: Math.max(1, Math.ceil(worst.wait / 1000)),
        scope: worst.named.scope,
        information: worst.named.unit === "ru" ? "ResourceUnitLimitExceeded" : "WriteLimitExceeded",
      };
    }
    for (const named of buckets) named.bucket.take(named.unit === "ru" ? cost.resourceUnits : cost.writes, now);
    return null;
  }

  /**
   * Grants a different write budget from now on (null = the documented one) and starts every tenant's buckets
   * afresh, full: what other apps leave this app changed.
   */
  grantWrites(granted: GrantedWrites | null): void {
    this.granted = granted;
    this.tenantBuckets.clear();
  }

  /** Least time the current budget allows for `writes` writes into a tenant with `userCount` users (see below). */
  minimalWriteTimeMs(writes: number, userCount: number): number {
    return minimalWriteTimeMs(writes, { ...this.options, grantedWrites: this.granted ?? undefined }, userCount);
  }

  private bucketsFor(tenantId: string, now: number): NamedBucket[] {
    let buckets = this.tenantBuckets.get(tenantId);
    if (!buckets) {
      const size = this.options.tenantSize ?? tenantSizeFor(this.userCountOf(tenantId));
      const appTenant = `Tenant_Application/ReadWrite/${SIMULATED_APP_ID}/${tenantId}`;
      buckets = [
        { bucket: new TokenBucket(RU_PER_10S[size] * this.scale, 10_000, now), unit: "ru", scope: appTenant },
        { bucket: new TokenBucket(APP_TENANT_WRITES.amount * this.scale, APP_TENANT_WRITES.windowMs, now), unit: "writes", scope: appTenant },
        { bucket: new TokenBucket(TENANT_WRITES.amount * this.scale, TENANT_WRITES.windowMs, now), unit: "writes", scope: `Tenant/ReadWrite/${tenantId}` },
      ];
      if (this.granted !== null) {
        const { burst, perSecond } = this.granted;
        buckets.push({ bucket: new TokenBucket(burst, (burst / perSecond) * 1000, now), unit: "writes", scope: `Tenant/ReadWrite/${tenantId}` });
      }
      this.tenantBuckets.set(tenantId, buckets);
    }
    return buckets;
  }
}

/**
 * The least time Graph's write budget allows for `writes` member writes (each write request, or each `$batch`
 * sub-request, costs 1 write and 1 RU) into one tenant, starting from full buckets: benchmarks print it as the
 * physical floor to compare against.
 */
export function minimalWriteTimeMs(writes: number, options: ThrottleOptions = {}, userCount = 0): number {
  const scale = options.scale ?? 1;
  const size = options.tenantSize ?? tenantSizeFor(userCount);
  const limits = [{ amount: RU_PER_10S[size], windowMs: 10_000 }, APP_TENANT_WRITES, TENANT_WRITES, APP_RU, APP_WRITES].map((l) => ({
    amount: l.amount * scale,
    windowMs: l.windowMs,
  }));
  if (options.grantedWrites !== undefined) {
    const { burst, perSecond } = options.grantedWrites;
    limits.push({ amount: burst, windowMs: (burst / perSecond) * 1000 });
  }
  let worst = 0;
  for (const { amount: capacity, windowMs } of limits) {
    const excess = writes - capacity;
    if (excess > 0) worst = Math.max(worst, (excess * windowMs) / capacity);
  }
  return worst;
}

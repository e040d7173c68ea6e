/**
 * Faults on demand: a test scripts what the next matching (sub-)requests should suffer — an error status, a
 * delay, a hang, an AdminService page that stops early — and removes the fault when done.
 */
import type { Service } from "./http/types.js";

export interface FaultSpec {
  readonly service: Service;
  /** Upper-case HTTP method; omitted = any. */
  readonly method?: string;
  /**
   * Tested against the service-relative path and query (`/groups/…`, `/wmi/SMS_Collection…`). The `$batch`
   * envelope is reached only by a fault whose path matches `/$batch` (steps never do).
   */
  readonly path?: RegExp;
  /** Answer with this status instead of handling the request (Graph error body unless `body` is given). */
  readonly status?: number;
  /** How many matching requests to affect; omitted = until removed. */
  readonly times?: number;
  /** Probability 0..1 that a matching request is affected (seeded PRNG, reproducible). */
  readonly rate?: number;
  readonly retryAfterSeconds?: number;
  /** Wait this long before answering (the request is then handled normally unless `status` is set). */
  readonly delayMs?: number;
  /** Never answer (the client's timeout must fire); released when the tenant closes. */
  readonly hang?: boolean;
  /** Graph only: true = only `$batch` sub-requests, false = only plain requests, omitted = both. */
  readonly insideBatch?: boolean;
  /** Response body to send with `status` (JSON), replacing the default error body. */
  readonly body?: unknown;
  /** AdminService lists: the page stops early without a nextLink while counts tell the true number. */
  readonly truncatePaging?: boolean;
  /** AdminService lists: answer `value: []` (and `@odata.count: 0`). */
  readonly emptyResult?: boolean;
}

export interface FaultHandle {
  remove(): void;
  /** How many requests this fault has affected so far. */
  readonly hits: number;
}

interface ActiveFault {
  readonly spec: FaultSpec;
  hits: number;
  removed: boolean;
}

export interface FaultMatchInput {
  readonly service: Service;
  readonly method: string;
  readonly pathAndQuery: string;
  readonly inBatch: boolean;
  /** The `$batch` envelope itself: only faults with a `path` that matches it (e.g. `/\$batch/`) apply. */
  readonly envelope?: boolean;
}

/** Mulberry32: small, seeded, good enough to make `rate` faults and batch shuffles reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];

  constructor(private readonly random: () => number) {}

  add(spec: FaultSpec): FaultHandle {
    if (spec.rate !== undefined && (spec.rate < 0 || spec.rate > 1)) throw new Error("rate must be within 0..1");
    const fault: ActiveFault = { spec, hits: 0, removed: false };
    this.faults.push(fault);
    return {
      remove: () => {
        fault.removed = true;
        this.faults = this.faults.filter((f) => f !== fault);
      },
      get hits() {
        return fault.hits;
      },
    };
  }

  clear(): void {
    for (const fault of this.faults) fault.removed = true;
    this.faults = [];
  }

  /** The first fault that applies to this request, counted as a hit; undefined when none. */
  take(input: FaultMatchInput): FaultSpec | undefined {
    for (const fault of this.faults) {
      const { spec } = fault;
      if (fault.removed || spec.service !== input.service) continue;
      if (spec.method && spec.method.toUpperCase() !== input.method) continue;
      if (input.envelope && (!spec.path || spec.insideBatch === true)) continue;
      if (spec.path && !new RegExp(spec.path.source, spec.path.flags.replace("g", "")).test(input.pathAndQuery)) continue;
      if (spec.insideBatch !== undefined && spec.insideBatch !== input.inBatch) continue;
      if (spec.times !== undefined && fault.hits >= spec.times) continue;
      if (spec.rate !== undefined && this.random() >= spec.rate) continue;
      fault.hits++;
      return spec;
    }
    return undefined;
  }
}

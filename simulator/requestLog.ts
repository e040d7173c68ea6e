/** Every (sub-)request the simulator answered, and the counters benchmarks and tests read. */
import type { Service } from "./http/types.js";

export type RequestKind = "read" | "write" | "batch";

export interface RequestLogEntry {
  readonly seq: number;
  readonly service: Service;
  readonly method: string;
  /** Service-relative path and query (`/groups/…?$top=999`, `/wmi/SMS_Collection('X')`). */
  readonly path: string;
  readonly status: number;
  /** Tenant the bearer token selected (Graph); null for AdminService and unauthenticated failures. */
  readonly tenantId: string | null;
  readonly inBatch: boolean;
  /** `batch` = the `$batch` envelope itself (its sub-requests are logged on their own). */
  readonly kind: RequestKind;
}

export interface SimulatorCounters {
  /** Graph HTTP requests (a `$batch` counts once). */
  graphHttpRequests: number;
  /** Graph reads, `$batch` sub-requests counted individually (as Graph's throttling does). */
  graphReads: number;
  graphWrites: number;
  adminServiceRequests: number;
  /** 429 answers (plain or inside a batch). */
  throttled: number;
}

export function zeroCounters(): SimulatorCounters {
  return { graphHttpRequests: 0, graphReads: 0, graphWrites: 0, adminServiceRequests: 0, throttled: 0 };
}

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];
  counters: SimulatorCounters = zeroCounters();
  /** Keep the log bounded for 100,000-member benchmarks; counters are never truncated. */
  constructor(private readonly maxEntries = 200_000) {}

  record(entry: Omit<RequestLogEntry, "seq">): void {
    const c = this.counters;
    if (entry.service === "adminService") c.adminServiceRequests++;
    else if (!entry.inBatch) c.graphHttpRequests++;
    if (entry.service === "graph" && entry.kind === "read") c.graphReads++;
    if (entry.service === "graph" && entry.kind === "write") c.graphWrites++;
    if (entry.status === 429) c.throttled++;
    // Drop the older half at once: shifting one at a time would make a long benchmark quadratic.
    if (this.entries.length >= this.maxEntries) this.entries.splice(0, Math.ceil(this.maxEntries / 2));
    this.entries.push({ seq: this.nextSeq++, ...entry });
  }

  reset(): void {
    this.counters = zeroCounters();
  }

  private nextSeq = 1;
}

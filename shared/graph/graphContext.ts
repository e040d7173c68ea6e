/** What every Graph operation of one run needs: the tenant's connection and this run's counters. */
import type { Clock } from "../core/ports/clock.js";
import { GraphRequestError, PERMISSIONS_MESSAGE, errorInfo } from "./graphErrors.js";
import { PermanentSyncError } from "../errors.js";
import type { GraphAnswer, RetryPolicy, StatsSink, TenantConnection } from "./transport.js";

export interface GraphContext {
  readonly connection: TenantConnection;
  readonly stats: StatsSink;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  /** Batches in flight at most for one call (the tenant's throttle may allow fewer). */
  readonly parallel: number;
}

/** An answer a read did not expect: 403 means the app lacks permissions (a person must act), else it propagates. */
export function readFailure(answer: GraphAnswer, operation: string): Error {
  const info = errorInfo(answer.body);
  if (answer.status === 403) {
    return new PermanentSyncError(
      "insufficient-privileges",
      `Graph refused to ${operation} (${info.code || "403"}: ${info.message || "forbidden"}). ${PERMISSIONS_MESSAGE}`,
    );
  }
  return new GraphRequestError(answer.status, info.code, info.message, operation);
}

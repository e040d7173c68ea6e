/**
 * Typed errors the product raises on purpose. Anything else that propagates is unexpected (a bug or a
 * transient fault) and is treated as such by the callers (HTTP 500, worker redelivery).
 */
export class CollectionSyncError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input a caller must fix (HTTP 400, CLI exit 2). `issues` lists each problem, one line each. */
export class ValidationError extends CollectionSyncError {
  constructor(
    message: string,
    readonly issues: readonly string[] = [message],
  ) {
    super(message);
  }
}

/** Settings that are missing or wrong at start-up. Every issue is reported at once. */
export class ConfigError extends CollectionSyncError {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n  - ${issues.join("\n  - ")}`);
  }
}

export class NotFoundError extends CollectionSyncError {}

/** The same key already exists (HTTP 409). */
export class AlreadyExistsError extends CollectionSyncError {}

/** A stale ETag: somebody else changed the record first (HTTP 412). Never overwrite silently. */
export class ConcurrencyError extends CollectionSyncError {}

/** Why a group cannot be a target; stable strings used as problem types and CLI messages. */
export type GroupRefusal =
  "group-not-found" | "dynamic-membership" | "on-premises-synced" | "mail-enabled" | "microsoft-365-group" | "role-assignable" | "not-security-enabled";

export class GroupNotWritableError extends CollectionSyncError {
  constructor(
    readonly reason: GroupRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** Why a sync cannot proceed until a person acts; recorded on the run, the job is not retried. */
export type PermanentReason =
  "mapping-not-found" | "collection-not-found" | "group-not-found" | GroupRefusal | "insufficient-privileges" | "unsupported-collection-type";

export class PermanentSyncError extends CollectionSyncError {
  constructor(
    readonly reason: PermanentReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The ConfigMgr read failed or came back incomplete: never diff against partial data. "access-denied": the
 * AdminService refused the app's identity (401/403), the server failed mutual authentication, or no credential
 * could be had — a person must act, the message says what.
 */
export class SourceReadError extends CollectionSyncError {
  constructor(
    readonly kind: "unavailable" | "timeout" | "truncated" | "bad-response" | "access-denied",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The app could not get an access token (managed identity, workload identity or secret problem). Like a failed
 * ConfigMgr read it is recorded on the run and the next scheduled run tries again: redelivering the job at once
 * cannot fix a token endpoint, and each redelivery would count as one more failed run of the mapping.
 */
export class CredentialUnavailableError extends CollectionSyncError {}

/**
 * A dependency neither answered nor failed in time (a silent connection, a hung server). Raised instead of
 * waiting on, so a run, an API call or a health probe ends with a clear message rather than at the function timeout.
 */
export class DependencyTimeoutError extends CollectionSyncError {
  constructor(
    readonly service: string,
    readonly timeoutMs: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Waiting any longer (for Graph to let us in again, or for a slow answer) would pass the run's time budget. The
 * run stops without diffing against what it could not read, and the job is re-scheduled for `retryAfterMs` later.
 */
export class RunDeadlineError extends CollectionSyncError {
  constructor(
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
  }
}

/** Normalises anything thrown into an Error, so callers can log `message` safely. */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

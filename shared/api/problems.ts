import {
  AlreadyExistsError,
  CollectionSyncError,
  ConcurrencyError,
  CredentialUnavailableError,
  DependencyTimeoutError,
  GroupNotWritableError,
  NotFoundError,
  PermanentSyncError,
  SourceReadError,
  ValidationError,
  ensureError,
  type GroupRefusal,
} from "../errors.js";
import type { Logger } from "../logger.js";
import { CollectionNotUsableError, type CollectionRefusal } from "../mappings/targetChecks.js";
import { SnapshotRefusedError, type SnapshotRefusal } from "../snapshots/snapshotErrors.js";
import { PartRejected } from "../snapshots/snapshotFormat.js";
import type { ApiResponse } from "./apiMessages.js";

/** Stable problem type URIs (RFC 9457 `type`): clients branch on these, never on `title` or `detail`. */
export const PROBLEM_BASE = "https://collection-sync.dev/problems/";

export type ProblemKind =
  | "validation"
  | "invalid-json"
  | "unsupported-media-type"
  | "payload-too-large"
  | "request-timeout"
  | "headers-too-large"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "method-not-allowed"
  | "conflict"
  | "precondition-failed"
  | GroupRefusal
  | CollectionRefusal
  | SnapshotRefusal
  | "mapping-disabled"
  | "nothing-to-approve"
  | "source-unavailable"
  | "credential-unavailable"
  | "insufficient-privileges"
  | "preview-failed"
  | "cross-site-request"
  | "misdirected-request"
  | "authentication-not-enabled"
  | "dependency-timeout"
  | "internal";

const TITLES: Record<ProblemKind, string> = {
  validation: "The request is not valid",
  "invalid-json": "The body is not valid JSON",
  "unsupported-media-type": "The body must be JSON",
  "payload-too-large": "The body is too large",
  "request-timeout": "The request did not arrive in time",
  "headers-too-large": "The URL or the headers are too large",
  unauthorized: "Sign-in required",
  forbidden: "Not allowed",
  "not-found": "Not found",
  "method-not-allowed": "Method not allowed",
  conflict: "Already exists",
  "precondition-failed": "The mapping changed since you read it",
  "group-not-found": "The group does not exist",
  "dynamic-membership": "The group has dynamic membership",
  "on-premises-synced": "The group is synced from on-premises AD",
  "mail-enabled": "The group is mail-enabled",
  "microsoft-365-group": "The group is a Microsoft 365 group",
  "role-assignable": "The group is role-assignable",
  "not-security-enabled": "The group is not a security group",
  "collection-not-found": "The collection does not exist",
  "unsupported-collection-type": "The collection is neither a device nor a user collection",
  "snapshot-incomplete": "Parts of the snapshot are missing",
  "snapshot-inconsistent": "The snapshot's parts do not add up",
  "snapshot-committed": "The snapshot is already committed",
  "snapshot-outdated": "The snapshot is no longer current",
  "snapshot-base-gone": "The delta's base snapshot is no longer current",
  "snapshot-short": "The snapshot holds fewer members than the collection reports",
  "collection-not-mapped": "No mapping reads this collection",
  "staging-full": "Too many uncommitted upload bytes for this collection",
  "pushed-mode-off": "The app does not take collector snapshots",
  "mapping-disabled": "The mapping is disabled",
  "nothing-to-approve": "Nothing is blocked",
  "cross-site-request": "Changes from other sites are refused",
  "misdirected-request": "This server does not answer for that host name",
  "authentication-not-enabled": "App Service Authentication is not enabled",
  "dependency-timeout": "A service the app depends on did not answer in time",
  "source-unavailable": "ConfigMgr could not be reached",
  "credential-unavailable": "The app could not get a token for Microsoft Graph",
  "insufficient-privileges": "The app lacks a Microsoft Graph permission",
  "preview-failed": "The preview could not be computed",
  internal: "Internal error",
};

export interface FieldError {
  /** Where the bad value was: path segment, query string, body or header. */
  readonly in?: "path" | "query" | "body" | "header";
  /** Field name (dotted for nested body fields); empty for the body as a whole. */
  readonly name: string;
  readonly message: string;
}

/** An error that already knows its HTTP answer. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly errors: readonly FieldError[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = "ApiProblem";
  }

  static validation(errors: readonly FieldError[]): ApiProblem {
    const detail = errors.map((e) => (e.name === "" ? e.message : `${e.name}: ${e.message}`)).join("; ");
    return new ApiProblem(400, "validation", detail, errors);
  }
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemResponse(problem: ApiProblem, instance: string): ApiResponse {
  const body: Record<string, unknown> = {
    type: `${PROBLEM_BASE}${problem.kind}`,
    title: TITLES[problem.kind],
    status: problem.status,
    detail: problem.detail,
    instance,
  };
  if (problem.errors.length > 0) body.errors = problem.errors;
  return { status: problem.status, headers: { "content-type": PROBLEM_CONTENT_TYPE, ...problem.headers }, jsonBody: body };
}

/** Translates the core's typed errors to problems; anything else is logged and answered as a bare 500. */
export function problemFromError(error: unknown, log: Logger, context: { method: string; path: string }): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (error instanceof ValidationError) {
    return ApiProblem.validation(error.issues.map((message) => ({ name: "", message })));
  }
  if (error instanceof NotFoundError) return new ApiProblem(404, "not-found", error.message);
  if (error instanceof AlreadyExistsError) return new ApiProblem(409, "conflict", error.message);
  if (error instanceof ConcurrencyError) return new ApiProblem(412, "precondition-failed", error.message);
  if (error instanceof GroupNotWritableError) return new ApiProblem(422, error.reason, error.message);
  if (error instanceof CollectionNotUsableError) return new ApiProblem(422, error.reason, error.message);
  if (error instanceof PartRejected) {
    if (error.tooLarge) return new ApiProblem(413, "payload-too-large", error.message);
    return ApiProblem.validation([
      { in: "body", name: "", message: error.message },
      ...error.issues.map((issue) => ({ in: "body" as const, name: issue.path, message: issue.message })),
    ]);
  }
  if (error instanceof SnapshotRefusedError) {
    // Inconsistent parts are the body's fault (400); a full staging area is a size limit (413); the others
    // describe the snapshot's state (409).
    const status = error.reason === "snapshot-inconsistent" ? 400 : error.reason === "staging-full" ? 413 : 409;
    return new ApiProblem(status, error.reason, error.message);
  }
  if (error instanceof PermanentSyncError) {
    // Raised by the adapters while reading (e.g. Graph 403 on a group read): the app's rights, not the caller's.
    if (error.reason === "insufficient-privileges") return new ApiProblem(502, "insufficient-privileges", error.message);
    if (error.reason === "mapping-not-found") return new ApiProblem(404, "not-found", error.message);
    return new ApiProblem(422, error.reason, error.message);
  }
  if (error instanceof SourceReadError) {
    log.warn("ConfigMgr read failed during an API request", { ...context, kind: error.kind, error: error.message });
    if (error.kind === "access-denied") return new ApiProblem(502, "source-unavailable", error.message);
    return new ApiProblem(502, "source-unavailable", `The ConfigMgr AdminService could not be read (${error.kind}). Try again later.`);
  }
  if (error instanceof DependencyTimeoutError) {
    log.warn("A dependency did not answer in time during an API request", { ...context, service: error.service, timeoutMs: error.timeoutMs });
    return new ApiProblem(503, "dependency-timeout", `${error.service} did not answer in time. Try again later.`, [], { "retry-after": "30" });
  }
  if (error instanceof CredentialUnavailableError) {
    log.warn("No Graph token during an API request", { ...context, error: error.message });
    return new ApiProblem(
      503,
      "credential-unavailable",
      "The app could not get a token for Microsoft Graph (managed identity or app registration). Try again later.",
      [],
      { "retry-after": "60" },
    );
  }
  const err = ensureError(error);
  // Internals (stack, SDK messages that may carry URLs) go to the log only, never to the caller.
  log.error("API request failed unexpectedly", {
    ...context,
    error: err.message,
    errorType: err instanceof CollectionSyncError ? err.name : err.constructor.name,
    stack: err.stack,
  });
  return new ApiProblem(500, "internal", "The request failed unexpectedly. The error was logged.");
}

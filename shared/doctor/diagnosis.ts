/**
 * What `collection-sync doctor` and `GET /api/health?verbose=true` report: one line per check, the way a support
 * engineer would walk the dependencies, each with what was seen and, when it failed, what to do about it.
 */
export type CheckStatus = "ok" | "fail" | "na";

export interface DiagnosticCheck {
  /** What was checked, e.g. "AdminService reachable", "Graph group 0f3c… (PS100012)". */
  readonly name: string;
  /** ok ✔, fail ✘, na – (not applicable here; `detail` says why). */
  readonly status: CheckStatus;
  /** What was seen: a short sentence, never a token, key or connection string. */
  readonly detail: string;
  /** For a failure: what to do about it. */
  readonly fix?: string;
}

export interface Diagnosis {
  /** False when any check failed. */
  readonly ok: boolean;
  readonly checks: readonly DiagnosticCheck[];
}

export const passed = (name: string, detail: string): DiagnosticCheck => ({ name, status: "ok", detail });
export const failed = (name: string, detail: string, fix: string): DiagnosticCheck => ({ name, status: "fail", detail, fix });
export const notApplicable = (name: string, why: string): DiagnosticCheck => ({ name, status: "na", detail: why });

export function diagnosisOf(checks: readonly DiagnosticCheck[]): Diagnosis {
  return { ok: checks.every((check) => check.status !== "fail"), checks };
}

/** A check's error as one short line (messages of our adapters are written for admins already). */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/\s*\n\s*/g, " ")
    .trim()
    .slice(0, 400);
}

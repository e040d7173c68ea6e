/**
 * The words an admin reads for each code the API answers with. One place, so the run search, the CSV, the
 * notifications and the console all say the same thing. Pure data without imports: the console can use the file
 * as it is.
 */

/** A mapping's badge (docs/api.md "Mapping status"), most urgent first. */
export const MAPPING_STATUSES = ["quarantined", "blocked", "degraded", "failing", "stale", "never-run", "disabled", "healthy"] as const;
export type MappingStatus = (typeof MAPPING_STATUSES)[number];

/** The statuses `status=needs-attention` selects. */
export const NEEDS_ATTENTION: readonly MappingStatus[] = ["quarantined", "blocked", "degraded", "failing", "stale"];

export const MAPPING_STATUS_LABELS: Readonly<Record<MappingStatus, string>> = {
  quarantined: "Quarantined",
  blocked: "Blocked: needs approval",
  degraded: "Degraded",
  failing: "Failing",
  stale: "Stale",
  "never-run": "Never run",
  disabled: "Disabled",
  healthy: "Healthy",
};

export const RUN_STATUS_LABELS: Readonly<Record<string, string>> = {
  succeeded: "Succeeded",
  partial: "Partly failed",
  "skipped-unchanged": "Unchanged",
  blocked: "Blocked",
  rescheduled: "Rescheduled (throttled)",
  failed: "Failed",
  preview: "Preview",
  "skipped-leased": "Already running",
};

export const RUN_TRIGGER_LABELS: Readonly<Record<string, string>> = {
  schedule: "Schedule",
  manual: "Sync now",
  cli: "Command line",
  retry: "Retry",
  snapshot: "Collector snapshot",
};

export const MEMBER_OUTCOME_LABELS: Readonly<Record<string, string>> = {
  added: "Added",
  removed: "Removed",
  "held-back": "Removal held back",
  skipped: "Skipped",
  failed: "Failed",
};

export const SKIP_REASON_LABELS: Readonly<Record<string, string>> = {
  "no-entra-id": "No Entra ID in ConfigMgr",
  "not-found": "Not found in Entra ID",
  "hybrid-joined": "Hybrid joined (not included)",
  "registered-device": "Registered device only",
  disabled: "Disabled in Entra ID",
};

export const GUARD_LABELS: Readonly<Record<string, string>> = {
  "source-read-failed": "Collection could not be read",
  "source-empty": "Collection came back empty",
  "source-stale": "Collector snapshot too old",
  "removal-threshold": "Too many removals at once",
  "mirror-first-sync": "First mirror sync",
};

export const AUDIT_ACTION_LABELS: Readonly<Record<string, string>> = {
  "mapping.create": "Mapping created",
  "mapping.update": "Mapping changed",
  "mapping.delete": "Mapping deleted",
  "mapping.approve": "Blocked change approved",
  "mapping.sync": "Sync requested",
  "collection.refresh": "Collection re-read requested",
  "snapshot.discard": "Snapshot discarded",
  "settings.update": "Settings changed",
};

/** The label for a code, or the code itself when it has none (a newer server, an unknown value). */
export function labelOf(labels: Readonly<Record<string, string>>, code: string | null | undefined): string | null {
  if (code === null || code === undefined) return null;
  return labels[code] ?? code;
}

/**
 * A change a person should hear about. Sent when a mapping's state CHANGES, never once per run: a mapping that
 * stays blocked for a week produces one `blocked`, and one `recovered` when it is back.
 */
export type NotificationKind =
  /** A safety guard held back removals; someone must look and approve (or fix the source). */
  | "blocked"
  /** Several failed runs in a row. */
  | "degraded"
  /** So many failed runs that the scheduler stopped planning the mapping until it is re-enabled. */
  | "quarantined"
  /** Back to normal after being blocked, degraded or quarantined. */
  | "recovered"
  /** Removals held back because the collector's snapshot of the collection is too old. */
  | "snapshot-stale"
  /** Sync jobs failed every delivery and were dead-lettered. */
  | "dead-letters";

export const NOTIFICATION_KINDS: readonly NotificationKind[] = ["blocked", "degraded", "quarantined", "recovered", "snapshot-stale", "dead-letters"];

export type Severity = "attention" | "warning" | "good";

export interface NotificationFact {
  readonly name: string;
  readonly value: string;
}

/** The mapping a notification is about (names are display-only, as stored with the mapping). */
export interface NotifiedMapping {
  readonly collectionId: string;
  readonly groupId: string;
  readonly collectionName: string | null;
  readonly groupName: string | null;
  readonly tenantId: string | null;
  readonly mode: string;
}

/** One notification, as every format renders it (formats/*.ts). Ids and counts only, never member lists. */
export interface Notification {
  /**
   * Identifies the state change itself (mapping, kind and the state it left): the same change detected twice
   * (a redelivered job, two workers) has the same key and is stored and sent once.
   */
  readonly key: string;
  readonly kind: NotificationKind;
  readonly severity: Severity;
  /** ISO time the change was detected. */
  readonly at: string;
  readonly title: string;
  /** One or two sentences: what happened and what to do. */
  readonly text: string;
  readonly facts: readonly NotificationFact[];
  readonly mapping: NotifiedMapping | null;
  /** Machine-readable details for the generic JSON format (guard, counts, failure count, last error…). */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
  /** Commands or requests that act on it (CLI / API), shown verbatim. */
  readonly actions: readonly NotificationAction[];
}

export interface NotificationAction {
  readonly title: string;
  /** A link to open (only when the app's public address is known, NOTIFY_LINK_BASE_URL / WEBSITE_HOSTNAME). */
  readonly url?: string;
  /** A command to run instead, e.g. `collection-sync mappings approve --collection … --group …`. */
  readonly command?: string;
}

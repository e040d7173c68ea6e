import { randomUUID } from "node:crypto";
import type { Clock } from "../core/ports/clock.js";

/** What a person (or a script) changed; docs/api.md "`GET /audit` — who changed what" lists them. */
export type AuditAction =
  "mapping.create" | "mapping.update" | "mapping.delete" | "mapping.approve" | "mapping.sync" | "collection.refresh" | "snapshot.discard" | "settings.update";

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  "mapping.create",
  "mapping.update",
  "mapping.delete",
  "mapping.approve",
  "mapping.sync",
  "collection.refresh",
  "snapshot.discard",
  "settings.update",
];

export type ActorKind = "user" | "app" | "api-key" | "function-key" | "local" | "cli";

export interface AuditActor {
  readonly name: string;
  /** Entra object id of a signed-in person or app (Easy Auth `oid`); null for keys and local use. */
  readonly objectId: string | null;
  readonly kind: ActorKind;
}

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly action: AuditAction;
  readonly actor: AuditActor;
  readonly collectionId: string | null;
  readonly groupId: string | null;
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
  readonly summary: string;
}

export interface AuditFilter {
  readonly collectionId?: string;
  readonly groupId?: string;
  readonly actions?: readonly AuditAction[];
  /** Case-insensitive text in the actor's name. */
  readonly actor?: string;
  /** Inclusive. */
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
}

export interface AuditPage {
  readonly items: AuditEntry[];
  readonly continuationToken: string | undefined;
}

/** Where the trail is kept (Table Storage `audit`), newest first, for the run-retention period. */
export interface AuditStore {
  append(entry: AuditEntry): Promise<void>;
  list(filter: AuditFilter, paging: { readonly pageSize: number; readonly continuationToken?: string }): Promise<AuditPage>;
}

export interface AuditChange {
  readonly action: AuditAction;
  readonly actor: AuditActor;
  readonly collectionId?: string | null;
  readonly groupId?: string | null;
  readonly before?: Readonly<Record<string, unknown>> | null;
  readonly after?: Readonly<Record<string, unknown>> | null;
  /** Said in words; by default worked out from before/after. */
  readonly summary?: string;
}

/**
 * Records one change. Called after the change itself succeeded: a refused or failed request changed nothing,
 * so it leaves no entry. The entry is the caller's to keep: this is the function every door (API, console, CLI,
 * the collector's discard route) calls.
 */
export async function recordAudit(deps: { readonly audit: AuditStore; readonly clock: Clock }, change: AuditChange): Promise<AuditEntry> {
  const before = change.before ?? null;
  const after = change.after ?? null;
  const entry: AuditEntry = {
    id: randomUUID(),
    at: new Date(deps.clock.now()).toISOString(),
    action: change.action,
    actor: change.actor,
    collectionId: change.collectionId ?? null,
    groupId: change.groupId ?? null,
    before,
    after,
    summary: change.summary ?? describeChange(before, after),
  };
  await deps.audit.append(entry);
  return entry;
}

/** "mode managed → mirror, enabled true → false" for an update; the fields set for a create or delete. */
export function describeChange(before: Readonly<Record<string, unknown>> | null, after: Readonly<Record<string, unknown>> | null): string {
  const show = (value: unknown) => (value === null || value === undefined ? "default" : typeof value === "string" ? value : JSON.stringify(value));
  if (before !== null && after !== null) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.map((key) => `${key} ${show(before[key])} → ${show(after[key])}`).join(", ");
  }
  const only = after ?? before;
  return only === null
    ? ""
    : Object.entries(only)
        .map(([key, value]) => `${key} ${show(value)}`)
        .join(", ");
}

/** The fields of an update that really changed, before and after. */
export function changedFields<T extends object>(
  before: T,
  after: T,
  fields: readonly (keyof T & string)[],
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const was: Record<string, unknown> = {};
  const now: Record<string, unknown> = {};
  for (const field of fields) {
    if (before[field] !== after[field]) {
      was[field] = before[field];
      now[field] = after[field];
    }
  }
  return { before: was, after: now };
}

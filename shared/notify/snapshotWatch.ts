import type { Notification } from "./notification.js";
import type { NotificationOutbox } from "./outbox.js";

/** How fresh a pushed collection snapshot is (SOURCE_MODE=pushed), as the snapshot store reports it. */
export interface SnapshotFreshness {
  readonly collectionId: string;
  readonly collectionName?: string | null;
  readonly stale: boolean;
  /** When a collector last uploaded or confirmed the snapshot (ISO), null when none came yet. */
  readonly confirmedAt: string | null;
  readonly maxAgeMinutes: number;
}

const markName = (collectionId: string) => `snapshotStale_${collectionId}`;

/**
 * "Collector snapshot stale", per collection and independent of pending removals: a collector that stopped is
 * news even while nothing waits to be removed. One notification when a snapshot turns stale, one when a fresh
 * one arrives; the per-collection mark (ETag) keeps two watchers from both reporting it.
 */
export async function checkStaleSnapshots(deps: {
  readonly outbox: NotificationOutbox;
  readonly now: number;
  readonly snapshots: readonly SnapshotFreshness[];
}): Promise<Notification[]> {
  const notifications: Notification[] = [];
  for (const snapshot of deps.snapshots) {
    const mark = await deps.outbox.readMark(markName(snapshot.collectionId));
    const wasStale = mark?.value === 1;
    if (wasStale === snapshot.stale) continue;
    if (!(await deps.outbox.writeMark(markName(snapshot.collectionId), snapshot.stale ? 1 : 0, mark?.etag ?? null))) continue;
    if (mark === null && !snapshot.stale) continue; // first sight of a fresh snapshot: nothing changed
    notifications.push(snapshot.stale ? staleNotification(snapshot, deps.now) : freshAgainNotification(snapshot, deps.now));
  }
  return notifications;
}

function name(snapshot: SnapshotFreshness): string {
  return snapshot.collectionName ? `${snapshot.collectionName} (${snapshot.collectionId})` : snapshot.collectionId;
}

function keyOf(kind: string, snapshot: SnapshotFreshness): string {
  return `${kind}_${snapshot.collectionId}_${(snapshot.confirmedAt ?? "never").replace(/\D/g, "")}`;
}

function staleNotification(snapshot: SnapshotFreshness, now: number): Notification {
  return {
    key: keyOf("snapshot-stale", snapshot),
    kind: "snapshot-stale",
    severity: "attention",
    at: new Date(now).toISOString(),
    title: `Collector snapshot too old: ${name(snapshot)}`,
    text: `No collector has uploaded or confirmed this collection's snapshot ${snapshot.confirmedAt === null ? "yet" : `since ${snapshot.confirmedAt}`} (limit ${snapshot.maxAgeMinutes} minutes). Adds go on from the old snapshot; removals wait. Check \`collection-sync collect\` on the site server.`,
    facts: [
      { name: "Collection", value: name(snapshot) },
      { name: "Last upload or confirmation", value: snapshot.confirmedAt ?? "never" },
      { name: "Limit", value: `${snapshot.maxAgeMinutes} minutes` },
    ],
    mapping: null,
    details: { collectionId: snapshot.collectionId, confirmedAt: snapshot.confirmedAt, maxAgeMinutes: snapshot.maxAgeMinutes },
    actions: [],
  };
}

function freshAgainNotification(snapshot: SnapshotFreshness, now: number): Notification {
  return {
    key: keyOf("recovered", snapshot),
    kind: "recovered",
    severity: "good",
    at: new Date(now).toISOString(),
    title: `Collector snapshot fresh again: ${name(snapshot)}`,
    text: `A collector uploaded or confirmed the snapshot at ${snapshot.confirmedAt ?? "an unknown time"}; held-back removals go ahead on the next run.`,
    facts: [{ name: "Collection", value: name(snapshot) }],
    mapping: null,
    details: { collectionId: snapshot.collectionId, confirmedAt: snapshot.confirmedAt, was: "snapshot-stale" },
    actions: [],
  };
}

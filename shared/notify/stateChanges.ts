import { mappingKeyOf } from "../core/ids.js";
import type { Mapping } from "../core/mapping.js";
import type { MappingState } from "../core/ports/mappingState.js";
import type { StateChange } from "../core/ports/stateChanges.js";
import type { Guard } from "../core/syncRun.js";
import { mappingActions, type NotificationLinks } from "./notificationLinks.js";
import type { Notification, NotificationFact, NotificationKind, NotifiedMapping, Severity } from "./notification.js";

/** The collector's freshness guard (a pushed snapshot too old for removals) gets its own notification kind. */
const STALE_SNAPSHOT_GUARD: Guard = "source-stale";

/**
 * The notifications one run's state change calls for: none when the mapping stays as it was (a second blocked
 * run, the tenth failure of a quarantined mapping), one per change otherwise. Pure, so the rules are testable.
 */
export function stateChangeNotifications(change: StateChange, links: NotificationLinks): Notification[] {
  const { before, after } = change;
  const notifications: Notification[] = [];
  const newlyBlocked = after.blocked !== null && (before.blocked === null || before.blocked.guard !== after.blocked.guard);
  if (newlyBlocked) notifications.push(blockedNotification(change, links));
  // Degraded and quarantined by failures only: a run held back by an old snapshot may also show as degraded, and
  // its notification is the snapshot-stale one above.
  const failed = change.run.status === "failed";
  if (failed && after.health === "quarantined" && before.health !== "quarantined") notifications.push(quarantinedNotification(change, links));
  else if (failed && after.health === "degraded" && before.health === "healthy") notifications.push(degradedNotification(change, links));
  if (needsAttention(before) && !needsAttention(after)) notifications.push(recoveredNotification(change, links));
  return notifications;
}

function needsAttention(state: MappingState): boolean {
  return state.blocked !== null || state.health !== "healthy";
}

/**
 * One key per state change: mapping, kind and the run the state was left by (its finish time). A job that is
 * delivered again after the change was saved sees the new state and finds no change; two workers racing on
 * the same old state compute the same key, so the outbox keeps one.
 */
function changeKey(kind: NotificationKind, change: StateChange): string {
  const since = change.before.lastRunAt === null ? "first" : change.before.lastRunAt.replace(/\D/g, "");
  return `${kind}_${mappingKeyOf(change.mapping)}_${since}`;
}

function describeMapping(mapping: Mapping): string {
  return `${mapping.collectionName ?? mapping.collectionId} → ${mapping.groupName ?? mapping.groupId}`;
}

function notifiedMapping(mapping: Mapping): NotifiedMapping {
  const { collectionId, groupId, collectionName, groupName, tenantId, mode } = mapping;
  return { collectionId, groupId, collectionName, groupName, tenantId, mode };
}

function mappingFacts(mapping: Mapping): NotificationFact[] {
  return [
    { name: "Collection", value: mapping.collectionName === null ? mapping.collectionId : `${mapping.collectionName} (${mapping.collectionId})` },
    { name: "Group", value: mapping.groupName === null ? mapping.groupId : `${mapping.groupName} (${mapping.groupId})` },
    { name: "Mode", value: mapping.mode },
  ];
}

function base(kind: NotificationKind, severity: Severity, change: StateChange): Pick<Notification, "key" | "kind" | "severity" | "at" | "mapping"> {
  return { key: changeKey(kind, change), kind, severity, at: change.run.finishedAt, mapping: notifiedMapping(change.mapping) };
}

function blockedNotification(change: StateChange, links: NotificationLinks): Notification {
  const { mapping, run } = change;
  const blocked = change.after.blocked!;
  const stale = blocked.guard === STALE_SNAPSHOT_GUARD;
  const kind: NotificationKind = stale ? "snapshot-stale" : "blocked";
  const next = stale
    ? "Removals resume once the collector uploads a fresh snapshot: check `collection-sync collect` on the site server."
    : "Check the preview; if the removals are right, approve them once.";
  return {
    ...base(kind, "attention", change),
    title: stale ? `Collector snapshot too old: ${describeMapping(mapping)}` : `Removals held back: ${describeMapping(mapping)}`,
    text: `${blocked.message} ${next}`,
    facts: [
      ...mappingFacts(mapping),
      { name: "Guard", value: blocked.guard },
      { name: "Removals held back", value: String(blocked.removeCount) },
      ...(change.heldBack === undefined || change.heldBack.length === 0
        ? []
        : [
            {
              name: blocked.removeCount > change.heldBack.length ? `First ${change.heldBack.length} held back` : "Held back",
              value: change.heldBack.join(", "),
            },
          ]),
      { name: "Group members before the run", value: String(run.counts.groupBefore) },
      { name: "Collection members", value: String(run.counts.source) },
      { name: "Added by this run", value: String(run.counts.added) },
    ],
    details: {
      guard: blocked.guard,
      removeCount: blocked.removeCount,
      groupBefore: run.counts.groupBefore,
      source: run.counts.source,
      added: run.counts.added,
      runId: run.runId,
      blockedAt: blocked.at,
      heldBack: (change.heldBack ?? []).join(", "),
    },
    actions: mappingActions(mapping, links, stale ? ["preview"] : ["preview", "approve"]),
  };
}

function failureDetails(change: StateChange): Notification["details"] {
  const { run, after } = change;
  return { consecutiveFailures: after.consecutiveFailures, lastError: run.errors[0]?.code ?? null, lastMessage: run.message, runId: run.runId };
}

function failureFacts(change: StateChange): NotificationFact[] {
  return [
    ...mappingFacts(change.mapping),
    { name: "Failed runs in a row", value: String(change.after.consecutiveFailures) },
    { name: "Last error", value: change.run.errors[0]?.code ?? "unknown" },
  ];
}

function degradedNotification(change: StateChange, links: NotificationLinks): Notification {
  return {
    ...base("degraded", "warning", change),
    title: `Sync failing: ${describeMapping(change.mapping)}`,
    text: `${change.after.consecutiveFailures} runs in a row failed; the last one said: ${change.run.message}`,
    facts: failureFacts(change),
    details: failureDetails(change),
    actions: mappingActions(change.mapping, links, ["runs"]),
  };
}

function quarantinedNotification(change: StateChange, links: NotificationLinks): Notification {
  return {
    ...base("quarantined", "attention", change),
    title: `Sync stopped (quarantined): ${describeMapping(change.mapping)}`,
    text: `${change.after.consecutiveFailures} runs in a row failed, so the scheduler no longer plans this mapping. Fix the cause, then re-enable it. The last run said: ${change.run.message}`,
    facts: failureFacts(change),
    details: failureDetails(change),
    actions: mappingActions(change.mapping, links, ["runs", "reenable"]),
  };
}

function recoveredNotification(change: StateChange, links: NotificationLinks): Notification {
  const { before, run } = change;
  const was = before.blocked !== null ? `blocked (${before.blocked.guard})` : before.health;
  return {
    ...base("recovered", "good", change),
    title: `Back to normal: ${describeMapping(change.mapping)}`,
    text: `The mapping was ${was}; the last run ${run.status === "skipped-unchanged" ? "found nothing to change" : run.status} (added ${run.counts.added}, removed ${run.counts.removed}).`,
    facts: [...mappingFacts(change.mapping), { name: "Was", value: was }, { name: "Last run", value: run.status }],
    details: { was, status: run.status, added: run.counts.added, removed: run.counts.removed, runId: run.runId },
    actions: mappingActions(change.mapping, links, ["runs"]),
  };
}

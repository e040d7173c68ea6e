import type { Notification } from "../notification.js";

/** The document a generic receiver gets; `version` changes only when a field changes meaning (docs/operating.md). */
export const GENERIC_NOTIFICATION_TYPE = "collection-sync.notification";

export function genericJsonBody(notification: Notification): unknown {
  return { type: GENERIC_NOTIFICATION_TYPE, version: 1, ...notification };
}

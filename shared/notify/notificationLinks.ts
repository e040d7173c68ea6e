import type { MappingRef } from "../core/ids.js";
import type { NotificationAction } from "./notification.js";

export interface NotificationLinks {
  /** The app's public address (`https://<app>.azurewebsites.net`), or null when unknown: commands only then. */
  readonly baseUrl: string | null;
}

/** The app's public address from NOTIFY_LINK_BASE_URL, else the host name App Service sets (WEBSITE_HOSTNAME). */
export function notificationLinks(settings: {
  readonly NOTIFY_LINK_BASE_URL?: string | undefined;
  readonly WEBSITE_HOSTNAME?: string | undefined;
}): NotificationLinks {
  if (settings.NOTIFY_LINK_BASE_URL !== undefined) return { baseUrl: settings.NOTIFY_LINK_BASE_URL };
  return { baseUrl: settings.WEBSITE_HOSTNAME === undefined ? null : `https://${settings.WEBSITE_HOSTNAME}` };
}

export type MappingActionKind = "preview" | "approve" | "runs" | "reenable";

/**
 * What a reader can do about a mapping, as links where a GET does it (preview, run history) and as commands
 * where it takes a POST or PATCH: a link in a chat must never approve removals by being opened.
 */
export function mappingActions(ref: MappingRef, links: NotificationLinks, kinds: readonly MappingActionKind[]): NotificationAction[] {
  const path = `/api/mappings/${ref.collectionId}/${ref.groupId}`;
  const target = `--collection ${ref.collectionId} --group ${ref.groupId}`;
  const url = (suffix: string) => (links.baseUrl === null ? {} : { url: `${links.baseUrl}${path}${suffix}` });
  return kinds.map((kind): NotificationAction => {
    switch (kind) {
      case "preview":
        return { title: "Preview the change", ...url("/preview"), command: `collection-sync sync ${target} --dry-run` };
      case "approve":
        return { title: "Approve once", command: `collection-sync mappings approve ${target}  (or POST ${links.baseUrl ?? ""}${path}/approve)` };
      case "runs":
        return { title: "Run history", ...url("/runs"), command: `collection-sync runs ${target}` };
      case "reenable":
        return {
          title: "Re-enable after fixing",
          command: `collection-sync mappings set ${target} --enabled true  (or PATCH ${links.baseUrl ?? ""}${path} {"enabled": true})`,
        };
    }
  });
}

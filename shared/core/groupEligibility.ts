import type { GroupRefusal } from "../errors.js";
import type { GroupInfo } from "./ports/directory.js";

export interface GroupVerdict {
  readonly eligible: boolean;
  readonly reason: GroupRefusal | null;
  readonly message: string | null;
}

const ok: GroupVerdict = { eligible: true, reason: null, message: null };
const refuse = (reason: GroupRefusal, message: string): GroupVerdict => ({ eligible: false, reason, message });

/**
 * Whether we may write a group's membership (docs/graph.md "Groups that cannot take members from us"). One rule
 * used by mapping creation, group search and every sync run, so the three never disagree.
 * `memberType` is the collection's type (Microsoft 365 groups take no devices at all; we refuse them for users
 * too, because the product's promise is assigned security groups).
 */
export function judgeGroup(group: GroupInfo, memberType: "device" | "user"): GroupVerdict {
  if (group.groupTypes.includes("DynamicMembership")) {
    return refuse(
      "dynamic-membership",
      `Group "${group.displayName}" has dynamic membership; Entra computes its members from a rule, so they cannot be added.`,
    );
  }
  if (group.onPremisesSyncEnabled === true) {
    return refuse("on-premises-synced", `Group "${group.displayName}" is synced from on-premises Active Directory; its members can only be changed there.`);
  }
  if (group.groupTypes.includes("Unified")) {
    const why = memberType === "device" ? "it takes users only, never devices" : "collection-sync fills assigned security groups only";
    return refuse("microsoft-365-group", `Group "${group.displayName}" is a Microsoft 365 group; ${why}.`);
  }
  if (group.mailEnabled) {
    return refuse(
      "mail-enabled",
      `Group "${group.displayName}" is mail-enabled (a mail-enabled security group or distribution list); Graph cannot change its members.`,
    );
  }
  if (group.isAssignableToRole === true) {
    return refuse(
      "role-assignable",
      `Group "${group.displayName}" can be assigned to Entra roles; changing its members needs role-management rights this app deliberately does not have.`,
    );
  }
  if (!group.securityEnabled) {
    return refuse(
      "not-security-enabled",
      `Group "${group.displayName}" is not a security group; Intune, Conditional Access and app assignment need a security group.`,
    );
  }
  return ok;
}

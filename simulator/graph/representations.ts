/** How directory objects look on the wire: property lists, default sets, `@odata.type` values. */
import type { DeviceRecord, GroupRecord, UserRecord, DirectoryObject } from "../state/directoryState.js";

export const GROUP_PROPERTIES = [
  "id",
  "displayName",
  "description",
  "groupTypes",
  "securityEnabled",
  "mailEnabled",
  "mailNickname",
  "onPremisesSyncEnabled",
  "isAssignableToRole",
  "membershipRule",
  "membershipRuleProcessingState",
] as const;

export const DEVICE_PROPERTIES = ["id", "deviceId", "displayName", "trustType", "accountEnabled", "operatingSystem"] as const;

export const USER_PROPERTIES = ["id", "userPrincipalName", "displayName", "accountEnabled"] as const;

/** Default user properties in v1.0 do not include accountEnabled (it must be `$select`ed). */
export const USER_DEFAULTS = ["id", "userPrincipalName", "displayName"] as const;

/** directoryObject-typed listings (plain `/members`) accept the union of the member types' properties. */
export const DIRECTORY_OBJECT_PROPERTIES = [...new Set<string>([...DEVICE_PROPERTIES, ...USER_PROPERTIES])];

export function groupView(group: GroupRecord): Record<string, unknown> {
  return {
    id: group.id,
    displayName: group.displayName,
    description: group.description,
    groupTypes: [...group.groupTypes],
    securityEnabled: group.securityEnabled,
    mailEnabled: group.mailEnabled,
    mailNickname: group.mailNickname,
    onPremisesSyncEnabled: group.onPremisesSyncEnabled,
    isAssignableToRole: group.isAssignableToRole,
    membershipRule: group.membershipRule,
    membershipRuleProcessingState: group.groupTypes.includes("DynamicMembership") ? "On" : null,
  };
}

export function deviceView(device: DeviceRecord): Record<string, unknown> {
  return {
    id: device.id,
    deviceId: device.deviceId,
    displayName: device.displayName,
    trustType: device.trustType,
    accountEnabled: device.accountEnabled,
    operatingSystem: device.operatingSystem ?? null,
  };
}

export function userView(user: UserRecord): Record<string, unknown> {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    accountEnabled: user.accountEnabled,
  };
}

export function objectView(object: DirectoryObject): Record<string, unknown> {
  if (object.type === "device") return deviceView(object.record);
  if (object.type === "user") return userView(object.record);
  return groupView(object.record);
}

export const ODATA_TYPE = {
  device: "#microsoft.graph.device",
  user: "#microsoft.graph.user",
  group: "#microsoft.graph.group",
} as const;

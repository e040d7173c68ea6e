import type { SeedCmUser, SeedDevice, SeedSystem, SeedUser, SimulatorSeed } from "../../simulator/index.js";

/** Deterministic GUIDs so failures name the same objects every run: kind digit + sequence number. */
export function guid(kind: number, n: number): string {
  return `${kind.toString(16).padStart(8, "0")}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

export const TENANT_ID = "11111111-1111-4111-8111-111111111111";
export const OTHER_TENANT_ID = "22222222-2222-4222-8222-222222222222";
export const GROUP_ID = guid(9, 1);
export const DEVICE_COLLECTION = "PS100020";
export const USER_COLLECTION = "PS100021";

/** One ConfigMgr system and, unless it has no Entra identity, the Entra device it corresponds to. */
export interface DeviceFixture {
  readonly system: Partial<SeedSystem> & Pick<SeedSystem, "ResourceId" | "Name">;
  readonly device: (Partial<SeedDevice> & Pick<SeedDevice, "id" | "deviceId" | "displayName">) | null;
  /** The directory object id group membership uses (null when not in Entra). */
  readonly objectId: string | null;
}

export function entraDevice(
  n: number,
  options: { trustType?: "AzureAd" | "ServerAd" | "Workplace"; accountEnabled?: boolean; inEntra?: boolean; aadDeviceId?: boolean } = {},
): DeviceFixture {
  const name = `PC-${String(n).padStart(5, "0")}`;
  const deviceId = guid(2, n);
  const objectId = guid(3, n);
  const known = options.aadDeviceId ?? true;
  const inEntra = options.inEntra ?? true;
  return {
    system: { ResourceId: 16_777_000 + n, Name: name, AADDeviceID: known ? deviceId : null },
    device: inEntra
      ? { id: objectId, deviceId, displayName: name, trustType: options.trustType ?? "AzureAd", accountEnabled: options.accountEnabled ?? true }
      : null,
    objectId: inEntra ? objectId : null,
  };
}

export interface UserFixture {
  readonly cmUser: Partial<SeedCmUser> & Pick<SeedCmUser, "ResourceId" | "Name">;
  readonly user: (Partial<SeedUser> & Pick<SeedUser, "id" | "userPrincipalName" | "displayName">) | null;
  readonly objectId: string | null;
}

export function entraUser(n: number, options: { withObjectId?: boolean; withUpn?: boolean; inEntra?: boolean; accountEnabled?: boolean } = {}): UserFixture {
  const upn = `user${n}@contoso.com`;
  const objectId = guid(5, n);
  const inEntra = options.inEntra ?? true;
  return {
    cmUser: {
      ResourceId: 2_063_000 + n,
      Name: `CONTOSO\\user${n}`,
      UserPrincipalName: options.withUpn === false ? null : upn,
      AADUserID: options.withObjectId ? objectId : null,
    },
    user: inEntra ? { id: objectId, userPrincipalName: upn, displayName: `User ${n}`, accountEnabled: options.accountEnabled ?? true } : null,
    objectId: inEntra ? objectId : null,
  };
}

export interface ScenarioOptions {
  /** Devices in the device collection. */
  readonly collection?: readonly DeviceFixture[];
  /** Devices that exist in Entra (and ConfigMgr) but are not in the collection, e.g. members added by hand. */
  readonly others?: readonly DeviceFixture[];
  /** Object ids already in the target group. */
  readonly groupMembers?: readonly string[];
  readonly users?: readonly UserFixture[];
  readonly userGroupMembers?: readonly string[];
}

export const USER_GROUP_ID = guid(9, 2);

/** A tenant with one assigned security group per member type and one device and one user collection. */
export function scenarioSeed(options: ScenarioOptions): SimulatorSeed {
  const devices = [...(options.collection ?? []), ...(options.others ?? [])];
  const users = options.users ?? [];
  return {
    tenants: [
      {
        tenantId: TENANT_ID,
        groups: [
          { id: GROUP_ID, displayName: "Autopilot Devices", members: [...(options.groupMembers ?? [])] },
          { id: USER_GROUP_ID, displayName: "Sales Users", members: [...(options.userGroupMembers ?? [])] },
        ],
        devices: devices.flatMap((d) => (d.device ? [d.device] : [])),
        users: users.flatMap((u) => (u.user ? [u.user] : [])),
      },
    ],
    configMgr: {
      collections: [
        {
          CollectionID: DEVICE_COLLECTION,
          Name: "Autopilot devices",
          CollectionType: 2,
          LastMemberChangeTime: "2026-11-01T08:00:00Z",
          members: (options.collection ?? []).map((d) => d.system.ResourceId),
        },
        {
          CollectionID: USER_COLLECTION,
          Name: "Sales users",
          CollectionType: 1,
          LastMemberChangeTime: "2026-11-01T08:00:00Z",
          members: users.map((u) => u.cmUser.ResourceId),
        },
      ],
      systems: devices.map((d) => d.system),
      users: users.map((u) => u.cmUser),
    },
  };
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

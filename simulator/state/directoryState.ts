/**
 * One Entra tenant's directory, held in Maps/Sets so a 100,000-device tenant stays fast. Every membership change
 * is appended to a change log that the delta query reads (docs/service-facts.md: delta returns only changes since a token).
 */
import type { SeedDevice, SeedGroup, SeedTenant, SeedUser } from "../seed.js";

export interface GroupRecord {
  id: string;
  displayName: string;
  description: string | null;
  groupTypes: string[];
  securityEnabled: boolean;
  mailEnabled: boolean;
  mailNickname: string;
  onPremisesSyncEnabled: boolean | null;
  isAssignableToRole: boolean | null;
  membershipRule: string | null;
  /** Direct members by lower-cased object id → object id as stored. Insertion order = listing order. */
  members: Map<string, string>;
}

export type DeviceRecord = SeedDevice;
export type UserRecord = SeedUser;
export type DirectoryObject = { type: "device"; record: DeviceRecord } | { type: "user"; record: UserRecord } | { type: "group"; record: GroupRecord };

export type GroupPatch = Partial<Omit<GroupRecord, "id" | "members">>;

export interface MemberChange {
  readonly seq: number;
  readonly groupId: string;
  readonly memberId: string;
  readonly change: "added" | "removed" | "groupDeleted" | "groupUpdated";
}

/** What the product needs (docs/service-facts.md, Permissions); a seed may grant less to provoke 403s. */
export const DEFAULT_PERMISSIONS = ["GroupMember.ReadWrite.All", "Device.ReadWrite.All", "User.Read.All"];

const key = (id: string): string => id.toLowerCase();

export class DirectoryState {
  readonly tenantId: string;
  permissions: Set<string>;
  readonly groups = new Map<string, GroupRecord>();
  readonly devices = new Map<string, DeviceRecord>();
  readonly devicesByDeviceId = new Map<string, DeviceRecord>();
  /** Listing order for `GET /devices` paging. */
  deviceList: DeviceRecord[] = [];
  readonly users = new Map<string, UserRecord>();
  readonly usersByUpn = new Map<string, UserRecord>();
  userList: UserRecord[] = [];
  readonly changes: MemberChange[] = [];
  /** Bumped by invalidateDeltaTokens(): older tokens answer 410 Gone. */
  deltaEpoch = 1;

  constructor(seed: SeedTenant) {
    this.tenantId = seed.tenantId;
    this.permissions = new Set(seed.grantedPermissions ?? DEFAULT_PERMISSIONS);
    for (const device of seed.devices) this.addDevice(device);
    for (const user of seed.users) this.addUser(user);
    for (const group of seed.groups) this.addGroup(group, false);
  }

  get sequence(): number {
    return this.changes.length;
  }

  addDevice(device: DeviceRecord): void {
    const record = { ...device };
    if (this.devices.has(key(record.id))) throw new Error(`Device ${record.id} already exists.`);
    this.devices.set(key(record.id), record);
    this.devicesByDeviceId.set(key(record.deviceId), record);
    this.deviceList.push(record);
  }

  updateDevice(id: string, patch: Partial<Omit<DeviceRecord, "id" | "deviceId">>): void {
    const device = this.devices.get(key(id));
    if (!device) throw new Error(`No device ${id}.`);
    Object.assign(device, patch);
  }

  deleteDevice(id: string): void {
    const device = this.devices.get(key(id));
    if (!device) return;
    this.devices.delete(key(id));
    this.devicesByDeviceId.delete(key(device.deviceId));
    this.deviceList = this.deviceList.filter((d) => d !== device);
    for (const group of this.groups.values()) {
      if (group.members.has(key(id))) this.removeMember(group.id, id);
    }
  }

  addUser(user: UserRecord): void {
    const record = { ...user };
    if (this.users.has(key(record.id))) throw new Error(`User ${record.id} already exists.`);
    this.users.set(key(record.id), record);
    this.usersByUpn.set(key(record.userPrincipalName), record);
    this.userList.push(record);
  }

  addGroup(group: SeedGroup, logChanges = true): GroupRecord {
    if (this.groups.has(key(group.id))) throw new Error(`Group ${group.id} already exists.`);
    const record: GroupRecord = {
      id: group.id,
      displayName: group.displayName,
      description: group.description ?? null,
      groupTypes: [...group.groupTypes],
      securityEnabled: group.securityEnabled,
      mailEnabled: group.mailEnabled,
      mailNickname: group.mailNickname ?? group.displayName.replace(/[^A-Za-z0-9]/g, "").slice(0, 64),
      onPremisesSyncEnabled: group.onPremisesSyncEnabled,
      isAssignableToRole: group.isAssignableToRole,
      membershipRule: group.membershipRule,
      members: new Map(),
    };
    this.groups.set(key(group.id), record);
    for (const member of group.members) {
      if (!this.findObject(member)) throw new Error(`Group ${group.id} lists unknown member ${member}.`);
      if (logChanges) this.addMember(group.id, member);
      else record.members.set(key(member), member);
    }
    return record;
  }

  getGroup(id: string): GroupRecord | undefined {
    return this.groups.get(key(id));
  }

  /** Changes group properties (turn it dynamic, mail-enabled, synced…), as an admin would in Entra. */
  updateGroup(id: string, patch: GroupPatch): void {
    const group = this.requireGroup(id);
    Object.assign(group, patch);
    this.changes.push({ seq: this.changes.length + 1, groupId: group.id, memberId: "", change: "groupUpdated" });
  }

  /** Makes every delta token issued so far answer 410 Gone (a forced full resync). */
  invalidateDeltaTokens(): void {
    this.deltaEpoch++;
  }

  deleteGroup(id: string): void {
    const group = this.groups.get(key(id));
    if (!group) throw new Error(`No group ${id}.`);
    this.groups.delete(key(id));
    this.changes.push({ seq: this.changes.length + 1, groupId: group.id, memberId: "", change: "groupDeleted" });
  }

  findObject(id: string): DirectoryObject | undefined {
    const k = key(id);
    const device = this.devices.get(k);
    if (device) return { type: "device", record: device };
    const user = this.users.get(k);
    if (user) return { type: "user", record: user };
    const group = this.groups.get(k);
    if (group) return { type: "group", record: group };
    return undefined;
  }

  isMember(groupId: string, memberId: string): boolean {
    return this.groups.get(key(groupId))?.members.has(key(memberId)) ?? false;
  }

  addMember(groupId: string, memberId: string): void {
    const group = this.requireGroup(groupId);
    const object = this.findObject(memberId);
    if (!object) throw new Error(`No directory object ${memberId}.`);
    if (group.members.has(key(memberId))) return;
    group.members.set(key(memberId), object.record.id);
    this.changes.push({ seq: this.changes.length + 1, groupId: group.id, memberId: object.record.id, change: "added" });
  }

  removeMember(groupId: string, memberId: string): boolean {
    const group = this.requireGroup(groupId);
    const stored = group.members.get(key(memberId));
    if (stored === undefined) return false;
    group.members.delete(key(memberId));
    this.changes.push({ seq: this.changes.length + 1, groupId: group.id, memberId: stored, change: "removed" });
    return true;
  }

  private requireGroup(groupId: string): GroupRecord {
    const group = this.groups.get(key(groupId));
    if (!group) throw new Error(`No group ${groupId}.`);
    return group;
  }
}

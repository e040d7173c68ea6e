/** The ConfigMgr site behind the AdminService: collections, discovered systems and users. */
import type { SeedCmUser, SeedCollection, SeedConfigMgr, SeedSystem } from "../seed.js";

export interface CollectionRecord {
  CollectionID: string;
  Name: string;
  CollectionType: 0 | 1 | 2;
  LastChangeTime: string | null;
  LastMemberChangeTime: string | null;
  LastRefreshTime: string | null;
  RefreshType: number;
  /** Evaluated membership (ResourceIDs), in listing order. */
  members: number[];
}

export type SystemRecord = SeedSystem;
export type CmUserRecord = SeedCmUser;

export class ConfigMgrState {
  readonly collections = new Map<string, CollectionRecord>();
  readonly systems = new Map<number, SystemRecord>();
  readonly users = new Map<number, CmUserRecord>();

  constructor(
    seed: SeedConfigMgr,
    private readonly now: () => number,
  ) {
    for (const system of seed.systems) this.addSystem(system);
    for (const user of seed.users) this.addUser(user);
    for (const collection of seed.collections) this.addCollection(collection);
  }

  addSystem(system: SystemRecord): void {
    if (this.systems.has(system.ResourceId) || this.users.has(system.ResourceId)) {
      throw new Error(`Resource ${system.ResourceId} already exists.`);
    }
    this.systems.set(system.ResourceId, { ...system });
  }

  updateSystem(resourceId: number, patch: Partial<Omit<SystemRecord, "ResourceId">>): void {
    const system = this.systems.get(resourceId);
    if (!system) throw new Error(`No system ${resourceId}.`);
    Object.assign(system, patch);
  }

  addUser(user: CmUserRecord): void {
    if (this.systems.has(user.ResourceId) || this.users.has(user.ResourceId)) {
      throw new Error(`Resource ${user.ResourceId} already exists.`);
    }
    this.users.set(user.ResourceId, { ...user });
  }

  addCollection(collection: SeedCollection): void {
    const id = collection.CollectionID.toUpperCase();
    if (this.collections.has(id)) throw new Error(`Collection ${id} already exists.`);
    for (const member of collection.members) this.requireResource(member, collection.CollectionType);
    const stamp = new Date(this.now()).toISOString();
    this.collections.set(id, {
      CollectionID: collection.CollectionID,
      Name: collection.Name,
      CollectionType: collection.CollectionType,
      LastChangeTime: collection.LastChangeTime ?? collection.LastMemberChangeTime ?? stamp,
      LastMemberChangeTime: collection.LastMemberChangeTime,
      LastRefreshTime: collection.LastRefreshTime ?? stamp,
      RefreshType: collection.RefreshType,
      members: [...new Set(collection.members)],
    });
  }

  getCollection(collectionId: string): CollectionRecord | undefined {
    return this.collections.get(collectionId.toUpperCase());
  }

  /** Replaces the evaluated membership, as a collection evaluation would; stamps MemberCount's watermark. */
  setCollectionMembers(collectionId: string, resourceIds: readonly number[]): void {
    const collection = this.getCollection(collectionId);
    if (!collection) throw new Error(`No collection ${collectionId}.`);
    for (const member of resourceIds) this.requireResource(member, collection.CollectionType);
    const stamp = new Date(this.now()).toISOString();
    collection.members = [...new Set(resourceIds)];
    collection.LastMemberChangeTime = stamp;
    collection.LastChangeTime = stamp;
    collection.LastRefreshTime = stamp;
  }

  deleteCollection(collectionId: string): void {
    this.collections.delete(collectionId.toUpperCase());
  }

  private requireResource(resourceId: number, collectionType: number): void {
    const isSystem = this.systems.has(resourceId);
    const isUser = this.users.has(resourceId);
    if (!isSystem && !isUser) throw new Error(`No resource ${resourceId} in the ConfigMgr seed.`);
    if (collectionType === 2 && !isSystem) throw new Error(`Resource ${resourceId} is not a system.`);
    if (collectionType === 1 && !isUser) throw new Error(`Resource ${resourceId} is not a user.`);
  }
}

/** The Entra side, as the sync engine needs it. The Graph adapter implements it; tests use the simulated tenant. */

export interface GroupInfo {
  readonly id: string;
  readonly displayName: string;
  readonly groupTypes: readonly string[];
  readonly securityEnabled: boolean;
  readonly mailEnabled: boolean;
  readonly onPremisesSyncEnabled: boolean | null;
  readonly isAssignableToRole: boolean | null;
  readonly membershipRule: string | null;
}

/** trustType: AzureAd = Entra joined, ServerAd = hybrid joined, Workplace = registered (docs/service-facts.md). */
export type TrustType = "AzureAd" | "ServerAd" | "Workplace";

export interface DirectoryDevice {
  /** Directory object id: what group membership uses. */
  readonly id: string;
  /** Entra device id: what ConfigMgr stores as AADDeviceID. */
  readonly deviceId: string;
  readonly trustType: TrustType | null;
  readonly accountEnabled: boolean;
}

export interface DirectoryUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly accountEnabled: boolean;
}

export type MemberKind = "device" | "user";

export interface MemberFailure {
  readonly id: string;
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** Result of adding or removing members; every requested id ends in exactly one list. */
export interface MemberWriteResult {
  /** Written by this call. */
  readonly done: string[];
  /** Already in the wanted state ("already exist" on add, 404 on remove): counted as success. */
  readonly alreadyDone: string[];
  /** Refused for that member (e.g. 404 object not found). */
  readonly failed: MemberFailure[];
  /**
   * Not attempted because throttling would outlast the deadline; the caller re-schedules them.
   * `retryAfterMs` is how long Graph asked us to wait.
   */
  readonly deferred: string[];
  readonly retryAfterMs: number | null;
}

export interface WriteOptions {
  /** Epoch ms after which no new wait may start (function time budget). */
  readonly deadline?: number;
}

export interface DirectoryStats {
  readonly reads: number;
  readonly writes: number;
  /** Graph HTTP requests (a `$batch` counts once). */
  readonly requests: number;
  readonly throttled: number;
  readonly throttledWaitMs: number;
}

/** One change to a group's membership, as group delta reports it. */
export interface MemberChange {
  readonly id: string;
  /** Removed from the group (`@removed`); else added. */
  readonly removed: boolean;
}

/** The group's membership changes since a delta token. */
export interface MembershipChanges {
  /** Changes to members of the asked kind, in the order Graph reported them (apply in order). */
  readonly changes: MemberChange[];
  /** The group itself was reported deleted or its properties changed: check the group before writing. */
  readonly groupChanged: boolean;
  /** The delta token to follow next time; null when Graph sent none. */
  readonly token: string | null;
}

export interface Directory {
  getGroup(groupId: string): Promise<GroupInfo | null>;
  /** Word-prefix search on displayName (`$search` with ConsistencyLevel: eventual). */
  searchGroups(text: string, limit: number): Promise<GroupInfo[]>;
  /** Object ids of the group's direct members of that kind, all pages. */
  listMemberIds(groupId: string, kind: MemberKind): Promise<Set<string>>;
  /** Looks devices up by Entra deviceId, in bulk (`in` filters of ≤ 15 inside `$batch`). Missing ids are absent. */
  findDevicesByDeviceId(deviceIds: readonly string[]): Promise<Map<string, DirectoryDevice>>;
  /** Looks users up by object id or userPrincipalName (keys as given, matched case-insensitively for UPNs). */
  findUsers(keys: readonly string[]): Promise<Map<string, DirectoryUser>>;
  addMembers(groupId: string, objectIds: readonly string[], options?: WriteOptions): Promise<MemberWriteResult>;
  removeMembers(groupId: string, objectIds: readonly string[], options?: WriteOptions): Promise<MemberWriteResult>;
  /**
   * A cheap "did the group's membership change" check: returns a token to store; `changed` is false only when
   * `previous` is given and nothing changed since it was issued.
   */
  membershipToken(groupId: string, previous: string | null): Promise<{ changed: boolean; token: string | null }>;
  /**
   * Membership changes of one member kind since `token` (a token from membershipToken or from an earlier call),
   * and the token to continue from. null when the token can no longer be used (expired): read the group in full.
   */
  readMembershipChanges(groupId: string, kind: MemberKind, token: string): Promise<MembershipChanges | null>;
  stats(): DirectoryStats;
}

/** One Directory per tenant; each run opens its own view so request counts are per run. */
export interface DirectoryProvider {
  /**
   * tenantId null = the app's home tenant. `deadline` (epoch ms, the run's clock) bounds every request of this
   * view: reads and writes that would end later fail with RunDeadlineError instead of waiting.
   */
  open(tenantId: string | null, options?: { readonly deadline?: number }): Directory;
}

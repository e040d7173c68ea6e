/**
 * `startSimulatedTenant`: the programmatic face of the simulator used by tests, the demo, `serve` and
 * benchmarks. State helpers change the tenant the way an admin (or Entra / ConfigMgr) would, behind the
 * product's back.
 */
import { SimulatorCore, type AdminServiceBearer, type RequestListener } from "./core.js";
import type { EntraOptions } from "./entra/entraTokens.js";
import type { FaultHandle, FaultSpec } from "./faults.js";
import { startHttpFront, TOKEN_PREFIX } from "./http/server.js";
import type { RequestLogEntry, SimulatorCounters } from "./requestLog.js";
import {
  normalizeSeed,
  type NormalizedSeed,
  type SeedCmUser,
  type SeedDevice,
  type SeedGroup,
  type SeedSystem,
  type SeedUser,
  type SimulatorSeed,
} from "./seed.js";
import type { CollectionRecord, ConfigMgrState } from "./state/configMgrState.js";
import type { DirectoryState, GroupPatch } from "./state/directoryState.js";
import type { GrantedWrites, ThrottleOptions } from "./graph/throttle.js";
import { STRICT_ADMINSERVICE, type AdminServiceProfile } from "./adminService/profile.js";
import { seedDeviceSchema, seedGroupSchema, seedSystemSchema, seedUserSchema, seedCmUserSchema } from "./seed.js";

export interface SimulatedTenantOptions {
  readonly seed: SimulatorSeed;
  /** 0 / undefined = a free port. */
  readonly port?: number;
  /** Added to every HTTP request. */
  readonly latencyMs?: number;
  /** Graph throttling token buckets (docs/service-facts.md); default off. */
  readonly throttle?: ThrottleOptions | false;
  /** AdminService server page size (default 1000); larger results carry an `@odata.nextLink`. */
  readonly adminServicePageSize?: number;
  /** How the AdminService answers where Microsoft documents nothing; default STRICT_ADMINSERVICE. */
  readonly adminService?: AdminServiceProfile;
  /**
   * The AdminService demands a delegated Entra user token for this audience, as behind a Cloud Management
   * Gateway (`ADMINSERVICE_AUTH=entra-user`); default none (the loopback simulator takes no credentials).
   */
  readonly adminServiceBearer?: AdminServiceBearer;
  /** The simulated Entra sign-in (device code and refresh token grants under `/{tenantId}/oauth2/v2.0/`). */
  readonly entra?: EntraOptions;
  /** Clock for throttle buckets, delta-token ages and ConfigMgr timestamps. */
  readonly now?: () => number;
  /** Seed of the PRNG behind `rate` faults and `$batch` response order. */
  readonly randomSeed?: number;
}

export interface SimulatedTenant {
  /** `http://127.0.0.1:PORT` (Graph is under `/v1.0`). */
  readonly graphBaseUrl: string;
  /**
   * `http://127.0.0.1:PORT/tenants/{tenantId}`: a base URL that selects the tenant without a token (the Graph
   * SDK drops Authorization on http:// URLs, docs/service-facts.md). Graph is under `/v1.0` below it.
   */
  graphBaseUrlFor(tenantId: string): string;
  /** `http://127.0.0.1:PORT/AdminService`. */
  readonly adminServiceUrl: string;
  /** `http://127.0.0.1:PORT`: the Entra authority host (`/{tenantId}/oauth2/v2.0/devicecode`, `…/token`). */
  readonly authorityHost: string;
  /** The user at the verification page: enters the code shown by the device code flow and signs in (null: declines). */
  completeDeviceSignIn(userCode: string, userPrincipalName: string | null): void;
  /** Revokes the user's refresh tokens (Revoke-EntraUserAllRefreshToken): the next refresh answers invalid_grant AADSTS50173. */
  revokeSignInSessions(userPrincipalName: string, tenantId?: string): void;
  /** Device code and refresh token grants answered with tokens so far. */
  readonly entraCounters: Readonly<{ deviceCodeGrants: number; refreshGrants: number }>;
  readonly port: number;
  /** Tenant ids in seed order (the first one answers requests without Authorization). */
  readonly tenantIds: readonly string[];
  close(): Promise<void>;

  // Entra state
  groupMemberIds(groupId: string, tenantId?: string): string[];
  addMemberByHand(groupId: string, objectId: string, tenantId?: string): void;
  removeMemberByHand(groupId: string, objectId: string, tenantId?: string): void;
  updateGroup(groupId: string, patch: GroupPatch, tenantId?: string): void;
  addGroup(group: Partial<SeedGroup> & Pick<SeedGroup, "id" | "displayName">, tenantId?: string): void;
  deleteGroup(groupId: string, tenantId?: string): void;
  addDevice(device: Partial<SeedDevice> & Pick<SeedDevice, "id" | "deviceId" | "displayName">, tenantId?: string): void;
  updateDevice(id: string, patch: Partial<Omit<SeedDevice, "id" | "deviceId">>, tenantId?: string): void;
  deleteDevice(id: string, tenantId?: string): void;
  addUser(user: Partial<SeedUser> & Pick<SeedUser, "id" | "userPrincipalName" | "displayName">, tenantId?: string): void;
  setPermissions(permissions: readonly string[], tenantId?: string): void;
  invalidateDeltaTokens(tenantId?: string): void;
  /** Direct access for assertions the helpers do not cover. */
  directory(tenantId?: string): DirectoryState;

  // ConfigMgr state
  setCollectionMembers(collectionId: string, resourceIds: readonly number[]): void;
  collection(collectionId: string): Readonly<CollectionRecord> | undefined;
  addSystem(system: Partial<SeedSystem> & Pick<SeedSystem, "ResourceId" | "Name">): void;
  updateSystem(resourceId: number, patch: Partial<Omit<SeedSystem, "ResourceId">>): void;
  addConfigMgrUser(user: Partial<SeedCmUser> & Pick<SeedCmUser, "ResourceId" | "Name">): void;

  // Observation and scripting
  readonly requestLog: readonly RequestLogEntry[];
  readonly counters: Readonly<SimulatorCounters>;
  resetCounters(): void;
  readonly faults: { add(spec: FaultSpec): FaultHandle; clear(): void };
  /** Called on each (sub-)request before it is handled; returns an unsubscribe function. */
  onRequest(listener: RequestListener): () => void;
  /** The current state as a seed: save it and start from it later (the CLI keeps its simulated tenant this way). */
  exportSeed(): NormalizedSeed;
  /** Least time the write budget allows for `writes` member writes (0 when throttling is off). */
  minimalWriteTimeMs(writes: number, tenantId?: string): number;
  /**
   * Grants this app a write budget smaller than documented from now on (other apps spending the tenant's budget),
   * or the documented one again (null); every tenant's buckets start full. Throws when throttling is off.
   */
  grantWrites(granted: GrantedWrites | null): void;
}

function exportSeed(tenants: readonly DirectoryState[], configMgr: ConfigMgrState): NormalizedSeed {
  return {
    tenants: tenants.map((tenant) => ({
      tenantId: tenant.tenantId,
      grantedPermissions: [...tenant.permissions],
      groups: [...tenant.groups.values()].map(({ members, ...group }) => ({ ...group, members: [...members.values()] })),
      devices: tenant.deviceList.map((device) => ({ ...device })),
      users: tenant.userList.map((user) => ({ ...user })),
    })),
    configMgr: {
      collections: [...configMgr.collections.values()].map((collection) => ({ ...collection, members: [...collection.members] })),
      systems: [...configMgr.systems.values()].map((system) => ({ ...system })),
      users: [...configMgr.users.values()].map((user) => ({ ...user })),
    },
  };
}

/** The bearer token the simulator maps to a tenant. */
export function simulatorToken(tenantId: string): string {
  return `${TOKEN_PREFIX}${tenantId}`;
}

export async function startSimulatedTenant(options: SimulatedTenantOptions): Promise<SimulatedTenant> {
  const seed = normalizeSeed(options.seed);
  const now = options.now ?? Date.now;
  const throttle = options.throttle ?? false;
  const core = new SimulatorCore(seed, {
    throttle,
    adminServicePageSize: options.adminServicePageSize ?? 1000,
    adminService: options.adminService ?? STRICT_ADMINSERVICE,
    adminServiceBearer: options.adminServiceBearer ?? null,
    entra: options.entra ?? {},
    now,
    randomSeed: options.randomSeed ?? 20_240_601,
  });
  const front = await startHttpFront(core, options.port ?? 0, options.latencyMs ?? 0);
  const base = `http://127.0.0.1:${front.port}`;
  const dir = (tenantId?: string): DirectoryState => core.tenant(tenantId);

  return {
    graphBaseUrl: base,
    graphBaseUrlFor: (tenantId) => `${base}/tenants/${dir(tenantId).tenantId}`,
    adminServiceUrl: `${base}/AdminService`,
    authorityHost: base,
    completeDeviceSignIn: (userCode, userPrincipalName) => core.entra.completeDeviceSignIn(userCode, userPrincipalName),
    revokeSignInSessions: (userPrincipalName, tenantId) => core.entra.revokeSignInSessions(dir(tenantId), userPrincipalName),
    get entraCounters() {
      return { ...core.entra.counters };
    },
    port: front.port,
    tenantIds: seed.tenants.map((t) => t.tenantId),
    async close() {
      core.releaseHangs();
      front.server.closeAllConnections();
      await new Promise<void>((resolve) => front.server.close(() => resolve()));
    },
    groupMemberIds: (groupId, tenantId) => {
      const group = dir(tenantId).getGroup(groupId);
      if (!group) throw new Error(`No group ${groupId}.`);
      return [...group.members.values()];
    },
    addMemberByHand: (groupId, objectId, tenantId) => dir(tenantId).addMember(groupId, objectId),
    removeMemberByHand: (groupId, objectId, tenantId) => void dir(tenantId).removeMember(groupId, objectId),
    updateGroup: (groupId, patch, tenantId) => dir(tenantId).updateGroup(groupId, patch),
    addGroup: (group, tenantId) => void dir(tenantId).addGroup(seedGroupSchema.parse(group)),
    deleteGroup: (groupId, tenantId) => dir(tenantId).deleteGroup(groupId),
    addDevice: (device, tenantId) => dir(tenantId).addDevice(seedDeviceSchema.parse(device)),
    updateDevice: (id, patch, tenantId) => dir(tenantId).updateDevice(id, patch),
    deleteDevice: (id, tenantId) => dir(tenantId).deleteDevice(id),
    addUser: (user, tenantId) => dir(tenantId).addUser(seedUserSchema.parse(user)),
    setPermissions: (permissions, tenantId) => {
      dir(tenantId).permissions = new Set(permissions);
    },
    invalidateDeltaTokens: (tenantId) => dir(tenantId).invalidateDeltaTokens(),
    directory: dir,
    setCollectionMembers: (collectionId, resourceIds) => core.configMgr.setCollectionMembers(collectionId, resourceIds),
    collection: (collectionId) => core.configMgr.getCollection(collectionId),
    addSystem: (system) => core.configMgr.addSystem(seedSystemSchema.parse(system)),
    updateSystem: (resourceId, patch) => core.configMgr.updateSystem(resourceId, patch),
    addConfigMgrUser: (user) => core.configMgr.addUser(seedCmUserSchema.parse(user)),
    get requestLog() {
      return core.log.entries;
    },
    get counters() {
      return { ...core.log.counters };
    },
    resetCounters: () => core.log.reset(),
    faults: { add: (spec) => core.faults.add(spec), clear: () => core.faults.clear() },
    onRequest(listener) {
      core.listeners.add(listener);
      return () => void core.listeners.delete(listener);
    },
    exportSeed: () =>
      exportSeed(
        seed.tenants.map((t) => dir(t.tenantId)),
        core.configMgr,
      ),
    minimalWriteTimeMs: (writes, tenantId) => core.throttle?.minimalWriteTimeMs(writes, dir(tenantId).users.size) ?? 0,
    grantWrites(granted) {
      if (core.throttle === null) throw new Error("grantWrites needs the simulator's throttling on (option `throttle`).");
      core.throttle.grantWrites(granted);
    },
  };
}

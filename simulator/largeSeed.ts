/**
 * Seeds for benchmarks and scale tests: one tenant, one device collection of `devices` systems (some without
 * an Entra id, some hybrid-joined…), an optional user collection, and an empty assigned target group. Ids are
 * derived from a counter, scrambled so they look random as real GUIDs do (an upload of counted-up ids would
 * compress to a third of a real site's), and still build 1,000,000 devices in about a second.
 */
import type { SimulatorSeed } from "./seed.js";

export interface LargeSeedOptions {
  readonly devices: number;
  /** Systems with no AADDeviceID (ConfigMgr knows no Entra identity). */
  readonly withoutEntraId?: number;
  /** Entra devices with trustType ServerAd. */
  readonly hybrid?: number;
  /** Entra devices with trustType Workplace. */
  readonly registered?: number;
  readonly disabled?: number;
  /** Systems whose AADDeviceID is not in Entra. */
  readonly notInEntra?: number;
  /** Users in a second (user) collection; 0 = no user collection. */
  readonly users?: number;
  /** How many of the resolvable devices are already members of the target group. */
  readonly alreadyInGroup?: number;
  /** Entra devices that are group members but not in the collection (added by hand). */
  readonly handAdded?: number;
  readonly tenantId?: string;
}

export interface LargeSeedIds {
  readonly tenantId: string;
  readonly deviceCollectionId: string;
  readonly userCollectionId: string | null;
  readonly deviceGroupId: string;
  readonly userGroupId: string;
}

/** A seed (pass it to `startSimulatedTenant` as is) plus the ids a benchmark needs. */
export type LargeSeed = SimulatorSeed & { readonly ids: LargeSeedIds };

type CollectionInput = NonNullable<NonNullable<SimulatorSeed["configMgr"]>["collections"]>[number];

const hex = (value: number, digits: number) =>
  (value >>> 0)
    .toString(16)
    .padStart(8, "0")
    .slice(8 - digits);
/** Multiplicative mixes of n: the last 32 bits are a bijection of n (odd multiplier), so ids never collide. */
const guid = (kind: number, n: number): string => {
  const a = Math.imul(n ^ 0x5bd1e995, 0x85ebca6b) ^ (n >>> 13);
  const b = Math.imul(n + kind, 0xc2b2ae35) ^ Math.imul(a, 0x27d4eb2f);
  const unique = Math.imul(n, 0x9e3779b1);
  return `${hex((kind << 24) | (a & 0xffffff), 8)}-${hex(b >>> 16, 4)}-4${hex(b, 3)}-${hex(0x8000 | (a >>> 20), 4)}-${hex(b ^ a, 4)}${hex(unique, 8)}`;
};

const DEVICE_OBJECT = 0xd0;

/** The object id of the seed's `index`-th device (0-based), as group membership uses it. */
export function largeSeedDeviceObjectId(index: number): string {
  return guid(DEVICE_OBJECT, index);
}
const DEVICE_ID = 0xd1;
const USER_OBJECT = 0xe0;
const GROUP = 0x90;

/** Device kinds other than Entra-joined, in the order they take the first indexes. */
const SPECIAL_KINDS = ["without", "missing", "hybrid", "registered", "disabled"] as const;

export function buildLargeSeed(options: LargeSeedOptions): LargeSeed {
  const tenantId = options.tenantId ?? "7e4a0000-0000-4000-8000-00000000b16e";
  const counts = {
    without: options.withoutEntraId ?? 0,
    hybrid: options.hybrid ?? 0,
    registered: options.registered ?? 0,
    disabled: options.disabled ?? 0,
    missing: options.notInEntra ?? 0,
  };
  const special = counts.without + counts.hybrid + counts.registered + counts.disabled + counts.missing;
  // Special kinds take the first indexes, in a fixed order, so benchmarks can predict the outcome.
  let end = 0;
  const kindEnds = SPECIAL_KINDS.map((kind) => ({ kind, end: (end += counts[kind]) }));
  if (special > options.devices) throw new Error("buildLargeSeed: the special device counts exceed `devices`.");

  const devices: { id: string; deviceId: string; displayName: string; trustType: "AzureAd" | "ServerAd" | "Workplace"; accountEnabled: boolean }[] = [];
  const systems: { ResourceId: number; Name: string; AADDeviceID: string | null; AADTenantID: string | null }[] = [];
  const collectionMembers: number[] = [];
  const groupMembers: string[] = [];
  let alreadyInGroup = options.alreadyInGroup ?? 0;
  for (let i = 0; i < options.devices; i++) {
    const name = `DEV-${String(i + 1).padStart(6, "0")}`;
    const resourceId = 16_777_216 + i;
    const objectId = guid(DEVICE_OBJECT, i);
    const deviceId = guid(DEVICE_ID, i);
    const kind = kindEnds.find((bound) => i < bound.end)?.kind ?? "joined";
    systems.push({ ResourceId: resourceId, Name: name, AADDeviceID: kind === "without" ? null : deviceId, AADTenantID: kind === "without" ? null : tenantId });
    collectionMembers.push(resourceId);
    if (kind === "without" || kind === "missing") continue;
    const trustType = kind === "hybrid" ? "ServerAd" : kind === "registered" ? "Workplace" : "AzureAd";
    devices.push({ id: objectId, deviceId, displayName: name, trustType, accountEnabled: kind !== "disabled" });
    if (kind === "joined" && alreadyInGroup > 0) {
      groupMembers.push(objectId);
      alreadyInGroup--;
    }
  }
  for (let h = 0; h < (options.handAdded ?? 0); h++) {
    const n = options.devices + h;
    devices.push({ id: guid(DEVICE_OBJECT, n), deviceId: guid(DEVICE_ID, n), displayName: `HAND-${h + 1}`, trustType: "AzureAd", accountEnabled: true });
    groupMembers.push(guid(DEVICE_OBJECT, n));
  }

  const userCount = options.users ?? 0;
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: guid(USER_OBJECT, i),
    userPrincipalName: `user${i + 1}@bench.example`,
    displayName: `Bench User ${i + 1}`,
    accountEnabled: true,
  }));
  const cmUsers = users.map((u, i) => ({
    ResourceId: 2_063_597_568 + i,
    Name: `BENCH\\user${i + 1}`,
    UserPrincipalName: u.userPrincipalName,
    AADUserID: u.id,
  }));

  const ids: LargeSeedIds = {
    tenantId,
    deviceCollectionId: "BEN00001",
    userCollectionId: userCount > 0 ? "BEN00002" : null,
    deviceGroupId: guid(GROUP, 1),
    userGroupId: guid(GROUP, 2),
  };
  const collections: CollectionInput[] = [
    {
      CollectionID: ids.deviceCollectionId,
      Name: `Benchmark devices (${options.devices})`,
      CollectionType: 2,
      LastMemberChangeTime: "2024-06-01T00:00:00Z",
      members: collectionMembers,
    },
  ];
  if (ids.userCollectionId) {
    collections.push({
      CollectionID: ids.userCollectionId,
      Name: `Benchmark users (${userCount})`,
      CollectionType: 1,
      LastMemberChangeTime: "2024-06-01T00:00:00Z",
      members: cmUsers.map((u) => u.ResourceId),
    });
  }
  return {
    ids,
    tenants: [
      {
        tenantId,
        devices,
        users,
        groups: [
          { id: ids.deviceGroupId, displayName: "Benchmark devices - Cloud Sync", members: groupMembers },
          { id: ids.userGroupId, displayName: "Benchmark users - Cloud Sync", members: [] },
        ],
      },
    ],
    configMgr: { collections, systems, users: cmUsers },
  };
}

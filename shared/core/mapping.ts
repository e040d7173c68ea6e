import type { MappingRef } from "./ids.js";

/** How a mapping treats members that are in the group but not (or no longer) in the collection (README "Modes"). */
export type SyncMode = "additive" | "managed" | "mirror";
export const SYNC_MODES: readonly SyncMode[] = ["additive", "managed", "mirror"];

/** One collection feeding one assigned Entra security group. */
export interface Mapping extends MappingRef {
  /** null: the app's home tenant. */
  readonly tenantId: string | null;
  readonly mode: SyncMode;
  readonly enabled: boolean;
  /** Also sync hybrid-joined (trustType ServerAd) devices; Entra-joined only by default, as ConfigMgr's seed did. */
  readonly includeHybridJoined: boolean;
  /** Per-mapping overrides of the removal guard (README "Safety guards"); null uses the app-wide default. */
  readonly removalThresholdPercent: number | null;
  readonly removalThresholdCount: number | null;
  /** Send notifications when this mapping turns blocked, degraded, quarantined or recovers (docs/operating.md). */
  readonly notify: boolean;
  /** Collection name and group name as seen when the mapping was created or last changed (display only). */
  readonly collectionName: string | null;
  readonly groupName: string | null;
  /** "device" or "user", from the collection's CollectionType when the mapping was created. */
  readonly memberType: "device" | "user";
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  /** Opaque concurrency token from storage. */
  readonly etag: string;
}

export type NewMapping = Omit<Mapping, "etag">;

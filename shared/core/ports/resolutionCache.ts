/**
 * Remembers what a ConfigMgr key (AADDeviceID or UPN) resolved to, so unchanged members cost no Graph call
 * (Table Storage `resolution`: PartitionKey tenantId, RowKey the key). Negative entries remember "not found".
 */
export interface ResolutionEntry {
  readonly key: string;
  /** null = looked up and not found. */
  readonly objectId: string | null;
  readonly trustType: string | null;
  readonly accountEnabled: boolean | null;
  /** Epoch ms. */
  readonly checkedAt: number;
}

export interface ResolutionCache {
  /** Entries younger than the TTL; expired or absent keys are missing from the map. */
  getMany(tenant: string, keys: readonly string[], now: number): Promise<Map<string, ResolutionEntry>>;
  putMany(tenant: string, entries: readonly ResolutionEntry[]): Promise<void>;
}

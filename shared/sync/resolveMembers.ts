import type { SourceDevice, SourceUser } from "../core/ports/membershipSource.js";
import type { Directory } from "../core/ports/directory.js";
import type { KnownMember } from "./memberReport.js";
import type { ResolutionCache, ResolutionEntry } from "../core/ports/resolutionCache.js";
import { emptyCounts, type SkipReason, type SkippedMember } from "../core/syncRun.js";
import { forEachSliced } from "../eventLoop.js";

/** The collection translated into Entra object ids, plus everything we could not (or may not) sync and why. */
export interface Resolution {
  readonly desired: Set<string>;
  /** Each desired object id's collection member (the first, when two members resolve to one object). */
  readonly members: Map<string, KnownMember>;
  readonly skipped: SkippedMember[];
  readonly skippedCounts: Record<SkipReason, number>;
  /** Keys answered by the cache (no Graph call). */
  readonly cacheHits: number;
  /**
   * What Graph answered for the cache's misses: the run remembers them once its writes are done
   * (rememberLookups), so looking up new members never delays adding them.
   */
  readonly lookedUp: ResolutionEntry[];
}

export interface ResolveOptions {
  readonly includeHybridJoined: boolean;
  readonly cache: ResolutionCache | null;
  /** Cache partition: the tenant id, or "home". */
  readonly tenantKey: string;
  readonly now: number;
}

/** A member and its key (its Entra id as ConfigMgr knows it): kept as the desired member's KnownMember too. */
type Candidate = KnownMember;

type Lookup = (keys: string[]) => Promise<Map<string, ResolutionEntry>>;

/** Devices are resolved by their Entra deviceId (ConfigMgr's AADDeviceID), never by name. */
export async function resolveDevices(directory: Directory, devices: readonly SourceDevice[], options: ResolveOptions): Promise<Resolution> {
  const candidates = await mapSliced(devices, (d) => ({ resourceId: d.resourceId, name: d.name, entraId: d.entraDeviceId?.toLowerCase() ?? null }));
  const lookup: Lookup = async (keys) => {
    const found = await directory.findDevicesByDeviceId(keys);
    return entriesFor(keys, options.now, (key) => {
      const device = found.get(key);
      return device ? { objectId: device.id, trustType: device.trustType, accountEnabled: device.accountEnabled } : null;
    });
  };
  return resolve(candidates, lookup, options, (entry) => deviceVerdict(entry, options.includeHybridJoined));
}

/** Users are resolved by the Entra object id discovery recorded, else by their UPN. */
export async function resolveUsers(directory: Directory, users: readonly SourceUser[], options: ResolveOptions): Promise<Resolution> {
  const candidates = await mapSliced(users, (u) => ({
    resourceId: u.resourceId,
    name: u.name,
    entraId: (u.entraObjectId ?? u.userPrincipalName)?.toLowerCase() ?? null,
  }));
  const lookup: Lookup = async (keys) => {
    const found = await directory.findUsers(keys);
    const byLowerKey = new Map([...found].map(([key, user]) => [key.toLowerCase(), user]));
    return entriesFor(keys, options.now, (key) => {
      const user = byLowerKey.get(key);
      return user ? { objectId: user.id, trustType: null, accountEnabled: user.accountEnabled } : null;
    });
  };
  return resolve(candidates, lookup, options, (entry) => (entry.accountEnabled === false ? "disabled" : null));
}

function deviceVerdict(entry: ResolutionEntry, includeHybridJoined: boolean): SkipReason | null {
  if (entry.accountEnabled === false) return "disabled";
  if (entry.trustType === "AzureAd") return null;
  if (entry.trustType === "ServerAd") return includeHybridJoined ? null : "hybrid-joined";
  // Workplace (registered) or unknown join type: ConfigMgr never syncs these, neither do we.
  return "registered-device";
}

async function entriesFor(
  keys: readonly string[],
  now: number,
  find: (key: string) => Omit<ResolutionEntry, "key" | "checkedAt"> | null,
): Promise<Map<string, ResolutionEntry>> {
  const entries = new Map<string, ResolutionEntry>();
  await forEachSliced(keys, (key) => {
    const hit = find(key);
    entries.set(key, { key, checkedAt: now, objectId: hit?.objectId ?? null, trustType: hit?.trustType ?? null, accountEnabled: hit?.accountEnabled ?? null });
  });
  return entries;
}

/** `items.map(convert)`, with a turn of the event loop every slice (a collection of 1,000,000 members). */
async function mapSliced<T, R>(items: readonly T[], convert: (item: T) => R): Promise<R[]> {
  const out: R[] = [];
  await forEachSliced(items, (item) => out.push(convert(item)));
  return out;
}

async function resolve(
  candidates: readonly Candidate[],
  lookup: Lookup,
  options: ResolveOptions,
  verdict: (entry: ResolutionEntry) => SkipReason | null,
): Promise<Resolution> {
  const unique = new Set<string>();
  await forEachSliced(candidates, (c) => {
    if (c.entraId !== null) unique.add(c.entraId);
  });
  const keys = [...unique];
  unique.clear();
  const cached = options.cache ? await options.cache.getMany(options.tenantKey, keys, options.now) : new Map<string, ResolutionEntry>();
  const misses: string[] = [];
  await forEachSliced(keys, (key) => {
    if (!cached.has(key)) misses.push(key);
  });
  const looked = misses.length > 0 ? await lookup(misses) : new Map<string, ResolutionEntry>();

  const desired = new Set<string>();
  const members = new Map<string, KnownMember>();
  const skipped: SkippedMember[] = [];
  const skippedCounts = emptyCounts().skipped;
  const skip = (c: Candidate, reason: SkipReason, objectId: string | null = null) => {
    skipped.push({ resourceId: c.resourceId, name: c.name, reason, entraId: c.entraId, objectId });
    skippedCounts[reason] += 1;
  };
  await forEachSliced(candidates, (candidate) => {
    if (candidate.entraId === null) return skip(candidate, "no-entra-id");
    const entry = cached.get(candidate.entraId) ?? looked.get(candidate.entraId);
    if (!entry || entry.objectId === null) return skip(candidate, "not-found");
    const reason = verdict(entry);
    if (reason) return skip(candidate, reason, entry.objectId);
    desired.add(entry.objectId);
    if (!members.has(entry.objectId)) members.set(entry.objectId, candidate);
  });
  return { desired, members, skipped, skippedCounts, cacheHits: keys.length - misses.length, lookedUp: [...looked.values()] };
}

import { REPORT_MAX_ENTRIES, type MemberReportEntry, type SkipReason } from "../core/syncRun.js";
import type { StoredReport } from "../core/ports/runStore.js";
import { forEachSliced } from "../eventLoop.js";

/** A collection member as the run knows it, by the Entra object id it resolved to. */
export interface KnownMember {
  readonly resourceId: number;
  readonly name: string;
  readonly entraId: string | null;
}

/**
 * Collects a run's member outcomes as they happen. Rows past `maxEntries` are only counted (`truncated`): the
 * stored report could not list them, so a first sync of 1,000,000 members does not hold a million rows in memory.
 */
export class MemberReport implements StoredReport {
  private readonly rows: MemberReportEntry[] = [];
  private leftOut = 0;
  private known: ReadonlyMap<string, KnownMember> = new Map();

  constructor(private readonly maxEntries: number = REPORT_MAX_ENTRIES) {}

  /** The rows kept, in the order they happened. */
  get entries(): readonly MemberReportEntry[] {
    return this.rows;
  }

  /** Members reported past the bound: counted, not listed. */
  get truncated(): number {
    return this.leftOut;
  }

  /** The members resolved this run, so writes by object id can be reported with their ConfigMgr names. */
  know(members: ReadonlyMap<string, KnownMember>): void {
    this.known = members;
  }

  skipped(member: KnownMember, reason: SkipReason, objectId: string | null): void {
    if (this.full()) return;
    this.rows.push({ outcome: "skipped", reason, resourceId: member.resourceId, name: member.name, entraId: member.entraId, objectId, error: null });
  }

  /** A first sync writes a million: the event loop gets a turn every slice, and no row is built past the bound. */
  async written(outcome: "added" | "removed" | "held-back", objectIds: readonly string[]): Promise<void> {
    const room = Math.max(0, this.maxEntries - this.rows.length);
    this.leftOut += Math.max(0, objectIds.length - room);
    const kept = objectIds.length > room ? objectIds.slice(0, room) : objectIds;
    await forEachSliced(kept, (objectId) => this.rows.push({ outcome, reason: null, ...this.describe(objectId), objectId, error: null }));
  }

  failed(objectId: string, error: string): void {
    if (this.full()) return;
    this.rows.push({ outcome: "failed", reason: null, ...this.describe(objectId), objectId, error });
  }

  /** Object ids of rows without a name (members the collection does not hold: removals, hand-added members). */
  async unnamed(): Promise<string[]> {
    const ids = new Set<string>();
    await forEachSliced(this.rows, (entry) => {
      if (entry.name === null && entry.objectId !== null) ids.add(entry.objectId);
    });
    return [...ids];
  }

  /** Fills in the names Entra gave for unnamed rows (device displayName, user UPN). */
  async name(names: ReadonlyMap<string, string>): Promise<void> {
    if (names.size === 0) return;
    await forEachSliced(this.rows.keys(), (index) => {
      const entry = this.rows[index] as MemberReportEntry;
      const name = entry.name === null && entry.objectId !== null ? names.get(entry.objectId) : undefined;
      if (name !== undefined) this.rows[index] = { ...entry, name };
    });
  }

  /** True (and the member counted as left out) when the report holds all the rows it may. */
  private full(): boolean {
    if (this.rows.length < this.maxEntries) return false;
    this.leftOut += 1;
    return true;
  }

  private describe(objectId: string): Pick<MemberReportEntry, "resourceId" | "name" | "entraId"> {
    const member = this.known.get(objectId);
    return member === undefined ? { resourceId: null, name: null, entraId: null } : member;
  }
}

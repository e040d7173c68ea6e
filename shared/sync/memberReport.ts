import type { MemberReportEntry, SkipReason } from "../core/syncRun.js";
import { forEachSliced } from "../eventLoop.js";

/** A collection member as the run knows it, by the Entra object id it resolved to. */
export interface KnownMember {
  readonly resourceId: number;
  readonly name: string;
  readonly entraId: string | null;
}

/** Collects a run's member outcomes as they happen (bounded only by the collection and group sizes). */
export class MemberReport {
  readonly entries: MemberReportEntry[] = [];
  private known: ReadonlyMap<string, KnownMember> = new Map();

  /** The members resolved this run, so writes by object id can be reported with their ConfigMgr names. */
  know(members: ReadonlyMap<string, KnownMember>): void {
    this.known = members;
  }

  skipped(member: KnownMember, reason: SkipReason, objectId: string | null): void {
    this.entries.push({ outcome: "skipped", reason, resourceId: member.resourceId, name: member.name, entraId: member.entraId, objectId, error: null });
  }

  /** A first sync writes a million: the event loop gets a turn every slice. */
  async written(outcome: "added" | "removed" | "held-back", objectIds: readonly string[]): Promise<void> {
    await forEachSliced(objectIds, (objectId) => this.entries.push({ outcome, reason: null, ...this.describe(objectId), objectId, error: null }));
  }

  failed(objectId: string, error: string): void {
    this.entries.push({ outcome: "failed", reason: null, ...this.describe(objectId), objectId, error });
  }

  /** Object ids of rows without a name (members the collection does not hold: removals, hand-added members). */
  async unnamed(): Promise<string[]> {
    const ids = new Set<string>();
    await forEachSliced(this.entries, (entry) => {
      if (entry.name === null && entry.objectId !== null) ids.add(entry.objectId);
    });
    return [...ids];
  }

  /** Fills in the names Entra gave for unnamed rows (device displayName, user UPN). */
  async name(names: ReadonlyMap<string, string>): Promise<void> {
    if (names.size === 0) return;
    await forEachSliced(this.entries.keys(), (index) => {
      const entry = this.entries[index] as MemberReportEntry;
      const name = entry.name === null && entry.objectId !== null ? names.get(entry.objectId) : undefined;
      if (name !== undefined) this.entries[index] = { ...entry, name };
    });
  }

  private describe(objectId: string): Pick<MemberReportEntry, "resourceId" | "name" | "entraId"> {
    const member = this.known.get(objectId);
    return member === undefined ? { resourceId: null, name: null, entraId: null } : member;
  }
}

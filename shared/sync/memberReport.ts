import type { MemberReportEntry, SkipReason } from "../core/syncRun.js";

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

  written(outcome: "added" | "removed", objectIds: readonly string[]): void {
    for (const objectId of objectIds) this.entries.push({ outcome, reason: null, ...this.describe(objectId), objectId, error: null });
  }

  failed(objectId: string, error: string): void {
    this.entries.push({ outcome: "failed", reason: null, ...this.describe(objectId), objectId, error });
  }

  private describe(objectId: string): Pick<MemberReportEntry, "resourceId" | "name" | "entraId"> {
    const member = this.known.get(objectId);
    return member === undefined ? { resourceId: null, name: null, entraId: null } : member;
  }
}

/**
 * One run's view of a tenant: every call goes through the tenant's shared connection and throttle budget, while
 * the counters belong to this view alone (DirectoryStats: `requests` = HTTP requests, a `$batch` counted once;
 * `reads`/`writes` = sub-requests).
 */
import type {
  Directory,
  DirectoryDevice,
  DirectoryStats,
  DirectoryUser,
  GroupInfo,
  MemberKind,
  MembershipChanges,
  MemberWriteResult,
  WriteOptions,
} from "../core/ports/directory.js";
import type { GraphContext } from "./graphContext.js";
import { getGroup, listMemberIds, searchGroups } from "./groupReads.js";
import { findDevicesByDeviceId, findUsers } from "./lookups.js";
import { readMembershipChanges } from "./membershipChanges.js";
import { membershipToken } from "./membershipDelta.js";
import { addMembers, removeMembers, type WriteDeps } from "./memberWrites.js";
import type { RetryPolicy, StatsSink, TenantConnection } from "./transport.js";
import type { Clock } from "../core/ports/clock.js";

export interface TenantRuntime {
  readonly connection: TenantConnection;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  readonly maxConcurrency: number;
  readonly enumerateDevicesAbove: number;
}

export class GraphDirectory implements Directory {
  private readonly counters: StatsSink = { reads: 0, writes: 0, requests: 0, throttled: 0, throttledWaitMs: 0 };
  private readonly context: GraphContext;
  private readonly writeDeps: WriteDeps;

  constructor(
    private readonly runtime: TenantRuntime,
    deadline?: number,
  ) {
    this.context = {
      connection: deadline === undefined ? runtime.connection : underDeadline(runtime.connection, deadline),
      stats: this.counters,
      clock: runtime.clock,
      retry: runtime.retry,
      parallel: runtime.maxConcurrency,
    };
    this.writeDeps = { context: this.context, getGroup: (id) => this.getGroup(id) };
  }

  getGroup(groupId: string): Promise<GroupInfo | null> {
    return getGroup(this.context, groupId);
  }

  searchGroups(text: string, limit: number): Promise<GroupInfo[]> {
    return searchGroups(this.context, text, limit);
  }

  listMemberIds(groupId: string, kind: MemberKind): Promise<Set<string>> {
    return listMemberIds(this.context, groupId, kind);
  }

  findDevicesByDeviceId(deviceIds: readonly string[]): Promise<Map<string, DirectoryDevice>> {
    return findDevicesByDeviceId(this.context, deviceIds, { enumerateAbove: this.runtime.enumerateDevicesAbove });
  }

  findUsers(keys: readonly string[]): Promise<Map<string, DirectoryUser>> {
    return findUsers(this.context, keys);
  }

  addMembers(groupId: string, objectIds: readonly string[], options?: WriteOptions): Promise<MemberWriteResult> {
    return addMembers(this.writeDeps, groupId, objectIds, options);
  }

  removeMembers(groupId: string, objectIds: readonly string[], options?: WriteOptions): Promise<MemberWriteResult> {
    return removeMembers(this.writeDeps, groupId, objectIds, options);
  }

  membershipToken(groupId: string, previous: string | null): Promise<{ changed: boolean; token: string | null }> {
    return membershipToken(this.context, groupId, previous);
  }

  readMembershipChanges(groupId: string, kind: MemberKind, token: string): Promise<MembershipChanges | null> {
    return readMembershipChanges(this.context, groupId, kind, token);
  }

  stats(): DirectoryStats {
    return { ...this.counters };
  }
}

/**
 * The run's deadline on every request of this view — page reads, look-ups, delta rounds and writes alike — so no
 * read can outlast the run's time budget and lease (8 retries of a 100 s request would). Past it, a request ends
 * with a RunDeadlineError and the run is re-scheduled.
 */
function underDeadline(connection: TenantConnection, deadline: number): TenantConnection {
  return {
    ...connection,
    send: (call, stats, callDeadline) => connection.send(call, stats, Math.min(callDeadline ?? deadline, deadline)),
  };
}

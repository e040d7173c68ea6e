/**
 * The WMI classes the AdminService exposes to the product (docs/service-facts.md "ConfigMgr AdminService"): their
 * properties (spelled as the class reference does) and how to find matching rows fast (indexes for
 * `CollectionID eq`, and `ResourceID` chains of `eq`, `in` and `ge`/`le` ranges).
 */
import { equalityValues, evaluate, type FilterNode } from "../odataFilter.js";
import type { CmUserRecord, CollectionRecord, ConfigMgrState, SystemRecord } from "../state/configMgrState.js";

export type Row = Record<string, unknown>;

/** A matching result that can be counted and sliced without building every row. */
export interface RowSet {
  readonly count: number;
  slice(offset: number, limit: number): Row[];
}

export interface WmiClass {
  readonly name: string;
  readonly properties: readonly string[];
  readonly key: string;
  /** Names community code spells differently from the class reference (`ResourceID` → `ResourceId`). */
  readonly communitySpelling: Readonly<Record<string, string>>;
  query(state: ConfigMgrState, filter: FilterNode | null): RowSet;
  byKey(state: ConfigMgrState, key: string): Row | undefined;
}

function fromRows(rows: Row[]): RowSet {
  return { count: rows.length, slice: (offset, limit) => rows.slice(offset, offset + limit) };
}

function filtered(rows: Iterable<Row>, filter: FilterNode | null): RowSet {
  const all = [...rows];
  if (!filter) return fromRows(all);
  return fromRows(all.filter((row) => evaluate(filter, readerOf(row))));
}

function readerOf(row: Row): (name: string) => unknown {
  return (name) => {
    if (name in row) return row[name];
    const lower = name.toLowerCase();
    const hit = Object.keys(row).find((k) => k.toLowerCase() === lower);
    return hit === undefined ? undefined : row[hit];
  };
}

/** Inclusive ResourceID intervals a filter asks for. */
type Interval = readonly [number, number];

/**
 * When the filter is an `or` of `ResourceID eq n`, `ResourceID in (…)` and `ResourceID ge a and ResourceID le b`,
 * the intervals it selects (so a lookup walks those ids instead of scanning 100,000 records); otherwise null.
 */
function resourceIntervals(filter: FilterNode | null): Interval[] | null {
  if (!filter) return null;
  if (filter.kind === "or") {
    const left = resourceIntervals(filter.left);
    const right = resourceIntervals(filter.right);
    return left && right ? [...left, ...right] : null;
  }
  if (filter.kind === "and") {
    const bound = (node: FilterNode, op: "ge" | "le") =>
      node.kind === "compare" && node.op === op && node.property.toLowerCase() === "resourceid" && typeof node.value === "number" ? node.value : null;
    const from = bound(filter.left, "ge") ?? bound(filter.right, "ge");
    const to = bound(filter.right, "le") ?? bound(filter.left, "le");
    return from !== null && to !== null ? [[from, to]] : null;
  }
  const values = equalityValues(filter, "ResourceID");
  if (!values) return null;
  return values
    .map((v) => Number(v))
    .filter((n) => Number.isInteger(n))
    .map((n): Interval => [n, n]);
}

function collectionRow(c: CollectionRecord): Row {
  return {
    CollectionID: c.CollectionID,
    Name: c.Name,
    CollectionType: c.CollectionType,
    MemberCount: c.members.length,
    LastChangeTime: c.LastChangeTime,
    LastMemberChangeTime: c.LastMemberChangeTime,
    LastRefreshTime: c.LastRefreshTime,
    RefreshType: c.RefreshType,
  };
}

function systemRow(s: SystemRecord): Row {
  return {
    ResourceID: s.ResourceId,
    ResourceType: 5,
    Name: s.Name,
    NetbiosName: s.Name,
    AADDeviceID: s.AADDeviceID,
    AADTenantID: s.AADTenantID,
    Client: s.IsClient ? 1 : 0,
    Active: s.IsActive ? 1 : 0,
    Obsolete: s.IsObsolete ? 1 : 0,
    Decommissioned: s.IsDecommissioned ? 1 : 0,
  };
}

function userRow(u: CmUserRecord): Row {
  return {
    ResourceID: u.ResourceId,
    ResourceType: 4,
    Name: u.Name,
    UserPrincipalName: u.UserPrincipalName,
    AADUserID: u.AADUserID,
    AADTenantID: u.AADTenantID ?? null,
  };
}

function membershipRow(state: ConfigMgrState, collection: CollectionRecord, resourceId: number): Row {
  const system = state.systems.get(resourceId);
  const user = system ? undefined : state.users.get(resourceId);
  return {
    CollectionID: collection.CollectionID,
    ResourceID: resourceId,
    ResourceType: system ? 5 : 4,
    Name: system?.Name ?? user?.Name ?? null,
    IsClient: system ? system.IsClient : false,
    IsActive: system ? system.IsActive : false,
    IsObsolete: system ? system.IsObsolete : false,
    IsDecommissioned: system ? system.IsDecommissioned : false,
  };
}

const SMS_Collection: WmiClass = {
  name: "SMS_Collection",
  properties: ["CollectionID", "Name", "CollectionType", "MemberCount", "LastChangeTime", "LastMemberChangeTime", "LastRefreshTime", "RefreshType"],
  key: "CollectionID",
  communitySpelling: {},
  query(state, filter) {
    const ids = filter ? equalityValues(filter, "CollectionID") : null;
    if (ids) {
      const rows = ids.map((id) => state.getCollection(String(id))).filter((c): c is CollectionRecord => !!c);
      return fromRows([...new Set(rows)].map(collectionRow));
    }
    return filtered([...state.collections.values()].map(collectionRow), filter);
  },
  byKey(state, key) {
    const collection = state.getCollection(key);
    return collection ? collectionRow(collection) : undefined;
  },
};

const SMS_FullCollectionMembership: WmiClass = {
  name: "SMS_FullCollectionMembership",
  properties: ["CollectionID", "ResourceID", "ResourceType", "Name", "IsClient", "IsActive", "IsObsolete", "IsDecommissioned"],
  key: "ResourceID",
  communitySpelling: {},
  query(state, filter) {
    const ids = filter ? equalityValues(filter, "CollectionID") : null;
    if (ids) {
      // The common case (`CollectionID eq 'X'`): count and slice without building 100,000 rows per page.
      const collections = [...new Set(ids.map((id) => state.getCollection(String(id))).filter((c): c is CollectionRecord => !!c))];
      const count = collections.reduce((sum, c) => sum + c.members.length, 0);
      return {
        count,
        slice(offset, limit) {
          const out: Row[] = [];
          let base = 0;
          for (const c of collections) {
            for (let i = Math.max(0, offset - base); i < c.members.length && out.length < limit; i++) {
              out.push(membershipRow(state, c, c.members[i] as number));
            }
            base += c.members.length;
          }
          return out;
        },
      };
    }
    const rows: Row[] = [];
    for (const c of state.collections.values()) for (const id of c.members) rows.push(membershipRow(state, c, id));
    return filtered(rows, filter);
  },
  byKey: () => undefined,
};

/** Discovery classes keyed by ResourceID (chains of ids and ranges use the Map, anything else scans). */
function resourceClass<T>(
  name: string,
  properties: readonly string[],
  records: (state: ConfigMgrState) => ReadonlyMap<number, T>,
  toRow: (record: T) => Row,
): WmiClass {
  return {
    name,
    properties,
    key: "ResourceID",
    communitySpelling: { ResourceID: "ResourceId" },
    query(state, filter) {
      const intervals = resourceIntervals(filter);
      const map = records(state);
      const span = intervals?.reduce((sum, [from, to]) => sum + Math.max(0, to - from + 1), 0) ?? Number.POSITIVE_INFINITY;
      if (intervals === null || span > map.size) return filtered([...map.values()].map(toRow), filter);
      const ids = new Set<number>();
      for (const [from, to] of intervals) for (let id = from; id <= to; id++) if (map.has(id)) ids.add(id);
      return fromRows([...ids].sort((a, b) => a - b).map((id) => toRow(map.get(id) as T)));
    },
    byKey(state, key) {
      const record = records(state).get(Number(key));
      return record === undefined ? undefined : toRow(record);
    },
  };
}

const SMS_R_System = resourceClass(
  "SMS_R_System",
  ["ResourceID", "ResourceType", "Name", "NetbiosName", "AADDeviceID", "AADTenantID", "Client", "Active", "Obsolete", "Decommissioned"],
  (state) => state.systems,
  systemRow,
);

const SMS_R_User = resourceClass(
  "SMS_R_User",
  ["ResourceID", "ResourceType", "Name", "UserPrincipalName", "AADUserID", "AADTenantID"],
  (state) => state.users,
  userRow,
);

export const WMI_CLASSES: ReadonlyMap<string, WmiClass> = new Map(
  [SMS_Collection, SMS_FullCollectionMembership, SMS_R_System, SMS_R_User].map((c) => [c.name.toLowerCase(), c]),
);

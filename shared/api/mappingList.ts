import { z } from "zod";
import type { Fleet, FleetEntry } from "../mappings/fleetIndex.js";
import type { Mapping } from "../core/mapping.js";
import { MAPPING_STATUS_LABELS, MAPPING_STATUSES, NEEDS_ATTENTION, type MappingStatus } from "../core/labels.js";
import { mappingStatus } from "./mappingStatus.js";

export const MAPPING_SORTS = ["collection", "group", "mode", "status", "lastRun", "lastChange", "groupSize", "collectionSize", "updated"] as const;
export type MappingSort = (typeof MAPPING_SORTS)[number];

const statusFilterSchema = z
  .string()
  .max(200)
  .transform((text) =>
    text
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== ""),
  )
  .pipe(z.array(z.enum(["needs-attention", ...MAPPING_STATUSES])).min(1, "name at least one status"));

export const mappingListQuerySchemas = {
  search: z
    .string()
    .trim()
    .max(200, "must be at most 200 characters")
    .regex(/^[^\p{Cc}]*$/u, "must not contain control characters"),
  status: statusFilterSchema,
  sort: z.enum(MAPPING_SORTS),
  order: z.enum(["asc", "desc"]),
  page: z.coerce.number().int("must be a whole number from 1").min(1).max(1_000_000),
};

export interface MappingListQuery {
  readonly search?: string;
  readonly statuses?: readonly ("needs-attention" | MappingStatus)[];
  readonly collectionId?: string;
  readonly sort: MappingSort;
  readonly order: "asc" | "desc";
  readonly page: number;
  readonly pageSize: number;
}

export interface MappingListResult {
  readonly items: FleetEntry[];
  readonly total: number;
  readonly statusCounts: Record<MappingStatus | "needs-attention" | "all", number>;
}

const URGENCY = new Map<string, number>(MAPPING_STATUSES.map((status, index) => [status, index]));
/** One collator for every comparison: `localeCompare` with options builds a new one per call (10,000 items: seconds). */
const NAME_ORDER = new Intl.Collator("en", { sensitivity: "base", numeric: true });

/**
 * What depends on the mappings alone: each one's searchable text and the two name orders. Worked out once per
 * version of the mapping list (runs change states, not this), so a request over 10,000 mappings only filters
 * and, for other sorts, sorts by one cheap key.
 */
interface Prepared {
  readonly text: string[];
  readonly byCollection: number[];
  byGroup?: number[];
}
const prepared = new WeakMap<readonly Mapping[], Prepared>();

const collectionName = (mapping: Mapping) => mapping.collectionName ?? mapping.collectionId;
const groupName = (mapping: Mapping) => mapping.groupName ?? mapping.groupId;

function nameOrder(mappings: readonly Mapping[], first: (m: Mapping) => string, second: (m: Mapping) => string): number[] {
  return mappings
    .map((_, index) => index)
    .sort((a, b) => {
      const x = mappings[a] as Mapping;
      const y = mappings[b] as Mapping;
      return NAME_ORDER.compare(first(x), first(y)) || NAME_ORDER.compare(second(x), second(y));
    });
}

function prepare(mappings: readonly Mapping[]): Prepared {
  let found = prepared.get(mappings);
  if (found === undefined) {
    const text = mappings.map((mapping) =>
      [mapping.collectionId, mapping.collectionName, mapping.groupId, mapping.groupName, mapping.mode, mapping.memberType]
        .filter((part) => part !== null)
        .join("\u0000")
        .toLowerCase(),
    );
    found = { text, byCollection: nameOrder(mappings, collectionName, groupName) };
    prepared.set(mappings, found);
  }
  return found;
}

/** Search, status filter, sort and page over every mapping (docs/api.md `GET /mappings`). */
export function listMappings(fleet: Fleet, query: MappingListQuery, now: number): MappingListResult {
  const { entries } = fleet;
  const ready = prepare(fleet.mappings);
  const needle = query.search?.toLowerCase() ?? "";
  const wanted = query.statuses === undefined ? null : new Set(query.statuses.flatMap((s) => (s === "needs-attention" ? NEEDS_ATTENTION : [s])));
  const order = query.sort === "group" ? (ready.byGroup ??= nameOrder(fleet.mappings, groupName, collectionName)) : ready.byCollection;
  const counts = Object.fromEntries([...MAPPING_STATUSES, "needs-attention", "all"].map((s) => [s, 0])) as MappingListResult["statusCounts"];
  const matching: { entry: FleetEntry; status: MappingStatus }[] = [];
  for (const index of order) {
    const entry = entries[index] as FleetEntry;
    if (query.collectionId !== undefined && entry.mapping.collectionId !== query.collectionId) continue;
    const status = mappingStatus(entry.mapping, entry.state, now);
    // The status is searched as its label says it ("blocked", "never run"), the rest as stored.
    if (
      needle !== "" &&
      !(ready.text[index] as string).includes(needle) &&
      !MAPPING_STATUS_LABELS[status].toLowerCase().includes(needle) &&
      !status.includes(needle)
    )
      continue;
    counts[status] += 1;
    if (NEEDS_ATTENTION.includes(status)) counts["needs-attention"] += 1;
    counts.all += 1;
    if (wanted === null || wanted.has(status)) matching.push({ entry, status });
  }
  const desc = query.order === "desc";
  if (query.sort === "collection" || query.sort === "group") {
    if (desc) matching.reverse();
  } else {
    const key = sortKey(query.sort);
    // A stable sort on one key keeps the name order among equal keys; missing values go last either way.
    const keyed = matching.map((item) => ({ item, key: key(item.entry, item.status) }));
    keyed.sort((a, b) => ordered(a.key, b.key, desc));
    matching.splice(0, matching.length, ...keyed.map((k) => k.item));
  }
  const start = (query.page - 1) * query.pageSize;
  return { items: matching.slice(start, start + query.pageSize).map((item) => item.entry), total: matching.length, statusCounts: counts };
}

type Key = string | number | null;

function ordered(a: Key, b: Key, desc: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const plain = a < b ? -1 : a > b ? 1 : 0;
  return desc ? -plain : plain;
}

/** ISO times compare as strings; sizes as numbers; the status by urgency. */
function sortKey(sort: Exclude<MappingSort, "collection" | "group">): (entry: FleetEntry, status: MappingStatus) => Key {
  switch (sort) {
    case "mode":
      return (entry) => entry.mapping.mode;
    case "status":
      return (_, status) => URGENCY.get(status) ?? null;
    case "lastRun":
      return (entry) => entry.state.lastRunAt;
    case "lastChange":
      return (entry) => entry.state.lastChange?.finishedAt ?? null;
    case "groupSize":
      return (entry) => entry.state.groupSize ?? null;
    case "collectionSize":
      return (entry) => entry.state.collectionSize ?? null;
    case "updated":
      return (entry) => entry.mapping.updatedAt;
  }
}

import { z } from "zod";
import type { FleetEntry } from "../mappings/fleetIndex.js";
import type { StateView } from "./contract.js";
import { MAPPING_STATUSES, NEEDS_ATTENTION, type MappingStatus } from "./labels.js";
import { stateSummary } from "./representations.js";

export const MAPPING_SORTS = ["collection", "group", "mode", "status", "lastRun", "lastChange", "groupSize", "collectionSize", "updated"] as const;
export type MappingSort = (typeof MAPPING_SORTS)[number];

const statusFilterSchema = z
  .string()
  .max(200)
  .transform((text) => text.split(",").map((part) => part.trim()).filter((part) => part !== ""))
  .pipe(z.array(z.enum(["needs-attention", ...MAPPING_STATUSES])).min(1, "name at least one status"));

export const mappingListQuerySchemas = {
  search: z.string().trim().max(200, "must be at most 200 characters").regex(/^[^\p{Cc}]*$/u, "must not contain control characters"),
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

/** A fleet entry with its badge worked out once per request (search, filter, sort and the answer share it). */
export interface ListedMapping extends FleetEntry {
  readonly view: StateView;
}

export interface MappingListResult {
  readonly items: ListedMapping[];
  readonly total: number;
  readonly statusCounts: Record<MappingStatus | "needs-attention" | "all", number>;
}

const URGENCY = new Map<string, number>(MAPPING_STATUSES.map((status, index) => [status, index]));

/** Search, status filter, sort and page over every mapping (docs/api.md `GET /mappings`). */
export function listMappings(entries: readonly FleetEntry[], query: MappingListQuery, now: number): MappingListResult {
  const needle = query.search?.toLowerCase() ?? "";
  const matching: ListedMapping[] = [];
  for (const entry of entries) {
    if (query.collectionId !== undefined && entry.mapping.collectionId !== query.collectionId) continue;
    const listed = { ...entry, view: stateSummary(entry.mapping, entry.state, now) };
    if (needle === "" || searchText(listed).includes(needle)) matching.push(listed);
  }
  const statusCounts = countStatuses(matching);
  const wanted = query.statuses === undefined ? null : new Set(query.statuses.flatMap((s) => (s === "needs-attention" ? NEEDS_ATTENTION : [s])));
  const filtered = wanted === null ? matching : matching.filter((item) => wanted.has(item.view.status));
  const direction = query.order === "desc" ? -1 : 1;
  const key = sortKey(query.sort);
  // Ties fall back to collection then group name, so pages are stable between requests.
  filtered.sort((a, b) => direction * compare(key(a), key(b)) || compare(nameKey(a), nameKey(b)));
  const start = (query.page - 1) * query.pageSize;
  return { items: filtered.slice(start, start + query.pageSize), total: filtered.length, statusCounts };
}

function searchText(item: ListedMapping): string {
  const { mapping, view } = item;
  return [mapping.collectionId, mapping.collectionName, mapping.groupId, mapping.groupName, mapping.mode, view.status, view.statusLabel, mapping.memberType]
    .filter((part) => part !== null)
    .join("\u0000")
    .toLowerCase();
}

function countStatuses(items: readonly ListedMapping[]): MappingListResult["statusCounts"] {
  const counts = Object.fromEntries([...MAPPING_STATUSES, "needs-attention", "all"].map((s) => [s, 0])) as MappingListResult["statusCounts"];
  for (const item of items) {
    counts[item.view.status] += 1;
    if (NEEDS_ATTENTION.includes(item.view.status)) counts["needs-attention"] += 1;
  }
  counts.all = items.length;
  return counts;
}

type Key = string | number | null;

/** Missing values (never run, no size yet) sort last in either order. */
function compare(a: Key, b: Key): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), "en", { sensitivity: "base", numeric: true });
}

function nameKey(item: ListedMapping): string {
  return `${item.mapping.collectionName ?? item.mapping.collectionId}\u0000${item.mapping.groupName ?? item.mapping.groupId}`;
}

function sortKey(sort: MappingSort): (item: ListedMapping) => Key {
  switch (sort) {
    case "collection":
      return (item) => item.mapping.collectionName ?? item.mapping.collectionId;
    case "group":
      return (item) => item.mapping.groupName ?? item.mapping.groupId;
    case "mode":
      return (item) => item.mapping.mode;
    case "status":
      return (item) => URGENCY.get(item.view.status) ?? null;
    case "lastRun":
      return (item) => item.view.lastRunAt;
    case "lastChange":
      return (item) => item.view.lastChange?.finishedAt ?? null;
    case "groupSize":
      return (item) => item.view.groupSize;
    case "collectionSize":
      return (item) => item.view.collectionSize;
    case "updated":
      return (item) => item.mapping.updatedAt;
  }
}

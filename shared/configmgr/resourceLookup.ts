import pMap from "p-map";
import { AdminServiceStatusError, NOT_FOUND, type AdminServiceHttp } from "./adminServiceHttp.js";
import { keyedEntity } from "./adminServiceRows.js";
import { readAllRows } from "./adminServicePaging.js";
import type { AdminServiceUrls } from "./adminServiceUrls.js";
import { isNodeLimitMessage, lookupChains, MAX_FILTER_NODES, type LookupChain } from "./resourceFilters.js";
import { SourceReadError } from "../errors.js";

export type DiscoveryClass = "SMS_R_System" | "SMS_R_User";

/** Lookup requests in flight at once (the SMS Provider is an on-premises server). */
const LOOKUPS_IN_FLIGHT = 4;
/** Rows one lookup may match: one `$top` window, so a lookup is one request unless the server pages. */
export const LOOKUP_ROWS = 1000;
/** The property the chains name, spelled as the class reference does. */
const KEY = "ResourceID";

/** What the adapter learned about a site's query limits, shared by every view. */
export interface FilterBudget {
  /** Nodes a lookup filter may have; lowered when the site answers that a chain was too long. */
  maxNodes: number;
}

export function defaultFilterBudget(): FilterBudget {
  return { maxNodes: MAX_FILTER_NODES };
}

/**
 * The records of `ids` in one discovery class, looked up in chains the node budget allows, a few at a time.
 * A 400 about the node count (a site with a lower MaxNodeCount) halves the budget and retries that chain in
 * smaller pieces instead of failing the run; any other failure fails the read.
 */
export async function lookupResources<T = unknown>(
  http: AdminServiceHttp,
  urls: AdminServiceUrls,
  wmiClass: DiscoveryClass,
  select: readonly string[],
  ids: readonly number[],
  budget: FilterBudget,
  onAttempt: () => void,
  convert?: (rows: unknown[]) => T[],
): Promise<T[]> {
  for (const id of ids) {
    if (!Number.isSafeInteger(id)) throw new SourceReadError("bad-response", `AdminService returned a resource id that is not an integer: ${String(id)}`);
  }
  // Each answer is converted as it arrives (a first read of 1,000,000 members never holds all raw rows at once).
  const readChain = async (chain: LookupChain): Promise<T[]> => {
    try {
      const { rows } = await readAllRows(http, urls, urls.resources(wmiClass, select, chain.filter), LOOKUP_ROWS, onAttempt, undefined, convert);
      return rows;
    } catch (error) {
      if (!(error instanceof AdminServiceStatusError) || error.status !== 400 || !isNodeLimitMessage(error.message) || chain.ids.length <= 1) throw error;
      budget.maxNodes = Math.min(budget.maxNodes, Math.max(1, Math.floor(chain.nodes / 2)));
      const smaller = lookupChains(KEY, chain.ids, budget.maxNodes, LOOKUP_ROWS);
      // A budget too small for even one range still fits one `eq` per chain: never loop on the same chain.
      const pieces = smaller.length > 1 ? smaller : chain.ids.map((id) => lookupChains(KEY, [id], Number.POSITIVE_INFINITY, 1)[0] as LookupChain);
      return (await pMap(pieces, readChain, { concurrency: LOOKUPS_IN_FLIGHT })).flat();
    }
  };
  const chains = lookupChains(KEY, ids, budget.maxNodes, LOOKUP_ROWS);
  return (await pMap(chains, readChain, { concurrency: LOOKUPS_IN_FLIGHT })).flat();
}

/** More members than this without a record in one read: the lists were cut short, not the site's data. */
const MAX_ABSENT = 50;

/**
 * Members a lookup returned no record for: confirmed one by one with a keyed read, which a server cannot cut
 * short. Nothing documents `$count` or the server's page size, so a list that silently left rows out would
 * otherwise make those members look like members without an Entra identity — and mirror mode would remove
 * them. Any record found this way, or too many missing, fails the read as truncated.
 */
export async function confirmAbsent(
  http: AdminServiceHttp,
  urls: AdminServiceUrls,
  wmiClass: DiscoveryClass,
  ids: readonly number[],
  onAttempt: () => void,
): Promise<void> {
  const truncated = () => new SourceReadError("truncated", `AdminService left ${ids.length} ${wmiClass} records out of its answers; the read is not trusted`);
  if (ids.length > MAX_ABSENT) throw truncated();
  await pMap(
    ids,
    async (id) => {
      const body = await http.getJson(urls.resource(wmiClass, id), onAttempt, true);
      if (body !== NOT_FOUND && keyedEntity(body, wmiClass) !== null) throw truncated();
    },
    { concurrency: LOOKUPS_IN_FLIGHT },
  );
}

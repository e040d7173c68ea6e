import type { MappingRef } from "../ids.js";
import type { Mapping, NewMapping } from "../mapping.js";

export interface MappingPage {
  readonly items: Mapping[];
  /** Pass back to get the next page; undefined on the last page. */
  readonly continuationToken: string | undefined;
}

export interface ListMappingsOptions {
  readonly pageSize?: number;
  readonly continuationToken?: string;
  readonly collectionId?: string;
  readonly enabledOnly?: boolean;
}

/** Where mappings live (Table Storage `mappings`: PartitionKey collectionId, RowKey groupId). */
export interface MappingStore {
  /** Throws AlreadyExistsError when the pair exists. */
  create(mapping: NewMapping): Promise<Mapping>;
  get(ref: MappingRef): Promise<Mapping | null>;
  list(options?: ListMappingsOptions): Promise<MappingPage>;
  /** Every mapping matching the options, all pages. */
  listAll(options?: Omit<ListMappingsOptions, "continuationToken" | "pageSize">): AsyncIterable<Mapping>;
  /** Replaces the mapping if `mapping.etag` is current; throws ConcurrencyError (412) or NotFoundError. */
  update(mapping: Mapping): Promise<Mapping>;
  /** Deletes if `etag` (when given) is current; throws ConcurrencyError or NotFoundError. */
  delete(ref: MappingRef, etag?: string): Promise<void>;
}

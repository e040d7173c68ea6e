import { odata } from "@azure/data-tables";
import { z } from "zod";
import { ValidationError } from "../errors.js";
import type { MappingRef } from "../core/ids.js";
import type { Mapping, NewMapping } from "../core/mapping.js";
import { SYNC_MODES } from "../core/mapping.js";
import type { ListMappingsOptions, MappingPage, MappingStore } from "../core/ports/mappingStore.js";
import { absentAsNull, parseEntity, withoutNulls } from "./entityValues.js";
import type { LazyTable } from "./tableAccess.js";
import { conditionalWrite, readOrNull } from "./tableErrors.js";
import { assertTableKey } from "./tableKeys.js";
import { pageSizeOf, readAllEntities, readEntityPage, unwrapContinuationToken, wrapContinuationToken } from "./tablePaging.js";

/** `mappings`: PartitionKey collectionId, RowKey groupId (docs/storage.md). */
const mappingEntitySchema = z.object({
  partitionKey: z.string(),
  rowKey: z.string(),
  etag: z.string(),
  tenantId: absentAsNull(z.string()),
  mode: z.enum(SYNC_MODES as [Mapping["mode"], ...Mapping["mode"][]]),
  enabled: z.boolean(),
  includeHybridJoined: z.boolean(),
  removalThresholdPercent: absentAsNull(z.number()),
  removalThresholdCount: absentAsNull(z.number()),
  // Mappings stored before the opt-out existed notify.
  notify: z
    .boolean()
    .optional()
    .transform((value) => value ?? true),
  collectionName: absentAsNull(z.string()),
  groupName: absentAsNull(z.string()),
  memberType: z.enum(["device", "user"]),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});

function toMapping(entity: object): Mapping {
  const { partitionKey, rowKey, ...rest } = parseEntity(mappingEntitySchema, "mappings", entity);
  return { collectionId: partitionKey, groupId: rowKey, ...rest };
}

/** The etag travels in the If-Match header, never as a property. */
function toEntity(mapping: NewMapping & { readonly etag?: string }) {
  const { collectionId, groupId, etag: _etag, ...stored } = mapping;
  return {
    partitionKey: assertTableKey(collectionId, "collectionId"),
    rowKey: assertTableKey(groupId, "groupId"),
    ...withoutNulls(stored),
  };
}

function describe(ref: MappingRef): string {
  return `Mapping ${ref.collectionId} → ${ref.groupId}`;
}

function requireEtag(etag: string | undefined, what: string): string {
  if (etag === undefined || etag === "" || etag === "*") {
    throw new ValidationError(`${what}: an etag from a previous read is required`);
  }
  return etag;
}

function listFilter(options: Omit<ListMappingsOptions, "continuationToken" | "pageSize">): string | undefined {
  const clauses: string[] = [];
  if (options.collectionId !== undefined) {
    const collectionId = assertTableKey(options.collectionId, "collectionId");
    clauses.push(odata`PartitionKey eq ${collectionId}`);
  }
  if (options.enabledOnly === true) clauses.push("enabled eq true");
  if (options.changedSince !== undefined) clauses.push(odata`Timestamp ge ${options.changedSince}`);
  return clauses.length === 0 ? undefined : clauses.join(" and ");
}

export function createMappingTable(table: LazyTable): MappingStore {
  return {
    async create(mapping) {
      const entity = toEntity(mapping);
      const client = await table.ready();
      const response = await conditionalWrite(describe(mapping), () => client.createEntity(entity));
      return { ...mapping, etag: requireEtag(response.etag, describe(mapping)) };
    },

    async get(ref) {
      const partitionKey = assertTableKey(ref.collectionId, "collectionId");
      const rowKey = assertTableKey(ref.groupId, "groupId");
      const client = await table.ready();
      const entity = await readOrNull(() => client.getEntity(partitionKey, rowKey));
      return entity === null ? null : toMapping(entity);
    },

    async list(options = {}) {
      const pageSize = pageSizeOf(options.pageSize);
      const sdkToken = unwrapContinuationToken("mappings", options.continuationToken);
      const filter = listFilter(options);
      const client = await table.ready();
      const page = await readEntityPage(client, filter === undefined ? {} : { filter }, pageSize, sdkToken);
      const result: MappingPage = {
        items: page.entities.map(toMapping),
        continuationToken: wrapContinuationToken("mappings", page.continuationToken),
      };
      return result;
    },

    async *listAll(options = {}) {
      const filter = listFilter(options);
      const client = await table.ready();
      for await (const entity of readAllEntities(client, filter === undefined ? {} : { filter })) {
        yield toMapping(entity);
      }
    },

    async update(mapping) {
      const etag = requireEtag(mapping.etag, describe(mapping));
      const entity = toEntity(mapping);
      const client = await table.ready();
      const response = await conditionalWrite(describe(mapping), () => client.updateEntity(entity, "Replace", { etag }));
      return { ...mapping, etag: requireEtag(response.etag, describe(mapping)) };
    },

    async delete(ref, etag) {
      const partitionKey = assertTableKey(ref.collectionId, "collectionId");
      const rowKey = assertTableKey(ref.groupId, "groupId");
      const ifMatch = etag === undefined ? "*" : requireEtag(etag, describe(ref));
      const client = await table.ready();
      await conditionalWrite(describe(ref), () => client.deleteEntity(partitionKey, rowKey, { etag: ifMatch }));
    },
  };
}

import { odata } from "@azure/data-tables";
import { z } from "zod";
import { ConcurrencyError, NotFoundError } from "../errors.js";
import type { Approval, BlockedChange, GroupSnapshot, MappingHealth, MappingState, MappingStateStore, Watermark } from "../core/ports/mappingState.js";
import { initialState } from "../core/ports/mappingState.js";
import type { RunSummary } from "../core/runSummary.js";
import { absentAsNull, epochMs, isObject, jsonProperty, parseEntity, withoutNulls, written } from "./entityValues.js";
import { createMemberSnapshotTable } from "./memberSnapshotTable.js";
import type { LazyTable } from "./tableAccess.js";
import { tableStatus, translateWriteError } from "./tableErrors.js";
import { assertTableKey } from "./tableKeys.js";
import { readAllEntities } from "./tablePaging.js";

/** `mappingState`: PartitionKey mappingKey, RowKey "state" (docs/storage.md). */
const STATE_ROW = "state";
/** Re-reads after losing a write race before giving up with ConcurrencyError. */
const LEASE_ATTEMPTS = 5;

const stateEntitySchema = z.object({
  partitionKey: z.string(),
  etag: z.string(),
  leaseOwner: absentAsNull(z.string()),
  leaseExpiresAt: absentAsNull(z.number()),
  watermark: absentAsNull(jsonProperty(written<Watermark>(isObject))),
  lastRunAt: absentAsNull(z.string()),
  lastRunStatus: absentAsNull(z.string()),
  lastSuccessAt: absentAsNull(z.string()),
  lastSuccessSourceCount: absentAsNull(z.number()),
  lastSuccessMode: absentAsNull(z.string()),
  consecutiveFailures: z.number(),
  health: z.enum(["healthy", "degraded", "quarantined"] satisfies MappingHealth[]),
  blocked: absentAsNull(jsonProperty(written<BlockedChange>(isObject))),
  approval: absentAsNull(jsonProperty(written<Approval>(isObject))),
  groupSnapshot: absentAsNull(jsonProperty(written<GroupSnapshot>(isObject))),
  lastRun: absentAsNull(jsonProperty(written<RunSummary>(isObject))),
  lastChange: absentAsNull(jsonProperty(written<RunSummary>(isObject))),
  groupSize: absentAsNull(z.number()),
  collectionSize: absentAsNull(z.number()),
});

const schedulingEntitySchema = stateEntitySchema.pick({ partitionKey: true, leaseOwner: true, leaseExpiresAt: true, health: true });

function fromEntity(entity: object): MappingState {
  const { partitionKey, leaseOwner, leaseExpiresAt, ...rest } = parseEntity(stateEntitySchema, "mappingState", entity);
  const lease = leaseOwner === null || leaseExpiresAt === null ? null : { owner: leaseOwner, expiresAt: leaseExpiresAt };
  return { ...rest, mappingKey: partitionKey, lease };
}

function toEntity(state: MappingState) {
  return {
    partitionKey: assertTableKey(state.mappingKey, "mappingKey"),
    rowKey: STATE_ROW,
    ...withoutNulls({
      leaseOwner: state.lease?.owner,
      leaseExpiresAt: state.lease === null ? null : epochMs(state.lease.expiresAt),
      watermark: state.watermark === null ? null : JSON.stringify(state.watermark),
      lastRunAt: state.lastRunAt,
      lastRunStatus: state.lastRunStatus,
      lastSuccessAt: state.lastSuccessAt,
      lastSuccessSourceCount: state.lastSuccessSourceCount,
      lastSuccessMode: state.lastSuccessMode,
      consecutiveFailures: state.consecutiveFailures,
      health: state.health,
      blocked: state.blocked === null ? null : JSON.stringify(state.blocked),
      approval: state.approval === null ? null : JSON.stringify(state.approval),
      groupSnapshot: state.groupSnapshot ? JSON.stringify(state.groupSnapshot) : null,
      lastRun: state.lastRun ? JSON.stringify(state.lastRun) : null,
      lastChange: state.lastChange ? JSON.stringify(state.lastChange) : null,
      groupSize: state.groupSize ?? null,
      collectionSize: state.collectionSize ?? null,
    }),
  };
}

export function createMappingStateTable(table: LazyTable): MappingStateStore {
  const what = (mappingKey: string) => `State of mapping ${mappingKey}`;
  const snapshots = createMemberSnapshotTable(table);

  async function get(mappingKey: string): Promise<MappingState> {
    const partitionKey = assertTableKey(mappingKey, "mappingKey");
    const client = await table.ready();
    try {
      return fromEntity(await client.getEntity(partitionKey, STATE_ROW));
    } catch (error) {
      if (tableStatus(error) === 404) return initialState(mappingKey);
      throw error;
    }
  }

  /**
   * Insert when no etag (409 → someone else inserted first), else Replace with If-Match (412 → someone else
   * wrote first). Single-entity operations only: Azurite ignores If-Match inside transactions (docs/service-facts.md).
   */
  async function save(state: MappingState): Promise<MappingState> {
    const entity = toEntity(state);
    const client = await table.ready();
    try {
      const response = state.etag === null ? await client.createEntity(entity) : await client.updateEntity(entity, "Replace", { etag: state.etag });
      if (response.etag === undefined) throw new Error(`Table Storage returned no etag for ${what(state.mappingKey)}`);
      return { ...state, etag: response.etag };
    } catch (error) {
      if (tableStatus(error) === 409) throw new ConcurrencyError(`${what(state.mappingKey)} was created by someone else first`);
      throw translateWriteError(error, what(state.mappingKey));
    }
  }

  return {
    get,
    save,

    async acquireLease(mappingKey, owner, ttlMs, now) {
      for (let attempt = 0; attempt < LEASE_ATTEMPTS; attempt++) {
        const current = await get(mappingKey);
        const lease = current.lease;
        if (lease !== null && lease.owner !== owner && lease.expiresAt > now) return null;
        try {
          return await save({ ...current, lease: { owner, expiresAt: now + ttlMs } });
        } catch (error) {
          // Lost the race (or the row changed or vanished under us): look again; the winner's lease now shows.
          if (!(error instanceof ConcurrencyError) && !(error instanceof NotFoundError)) throw error;
        }
      }
      throw new ConcurrencyError(`${what(mappingKey)} kept changing while taking the lease (${LEASE_ATTEMPTS} attempts)`);
    },

    async *listSchedulingStates() {
      const client = await table.ready();
      const select = ["PartitionKey", "health", "leaseOwner", "leaseExpiresAt"];
      for await (const entity of readAllEntities(client, { filter: odata`RowKey eq ${STATE_ROW}`, select })) {
        const { partitionKey, leaseOwner, leaseExpiresAt, health } = parseEntity(schedulingEntitySchema, "mappingState", entity);
        yield {
          mappingKey: partitionKey,
          health,
          lease: leaseOwner === null || leaseExpiresAt === null ? null : { owner: leaseOwner, expiresAt: leaseExpiresAt },
        };
      }
    },

    async delete(mappingKey) {
      const partitionKey = assertTableKey(mappingKey, "mappingKey");
      const client = await table.ready();
      try {
        await client.deleteEntity(partitionKey, STATE_ROW);
      } catch (error) {
        if (tableStatus(error) !== 404) throw error;
      }
      await snapshots.prune(mappingKey, null);
    },

    async *listAll(options = {}) {
      const client = await table.ready();
      const rows = odata`RowKey eq ${STATE_ROW}`;
      const filter = options.changedSince === undefined ? rows : `${rows} and ${odata`Timestamp ge ${options.changedSince}`}`;
      for await (const entity of readAllEntities(client, { filter })) yield fromEntity(entity);
    },

    snapshots,
  };
}

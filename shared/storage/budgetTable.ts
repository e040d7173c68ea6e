/**
 * `graphBudget`: one row per tenant (PartitionKey tenant id or `home`, RowKey `graph`) holding the tenant's shared
 * Graph budget as JSON. Written only with single-entity conditional operations: insert (409 = another instance
 * created it first) or Replace with If-Match (412 = another instance wrote first; 404 = the row was deleted meanwhile) — Azurite ignores If-Match inside
 * batch transactions. Every call has a short time limit: a storage outage must turn into local pacing, not a hang.
 */
import { z } from "zod";
import { ConcurrencyError } from "../errors.js";
import type { BudgetState } from "../graph/budgetModel.js";
import type { BudgetStore } from "../graph/sharedBudgetBook.js";
import { jsonProperty, parseEntity } from "./entityValues.js";
import type { LazyTable } from "./tableAccess.js";
import { tableStatus } from "./tableErrors.js";
import { assertTableKey } from "./tableKeys.js";

const ROW = "graph";

const bucketSchema = z.object({
  rate: z.number().positive(),
  capacity: z.number().positive(),
  tokens: z.number(),
  notBefore: z.number(),
  granted: z.number(),
  refused: z.number(),
  throttledAt: z.number().nullable(),
  acceptedAtThrottle: z.number(),
  paceAt: z.number().optional(),
  accepted: z.number().optional(),
});

const entitySchema = z.object({
  etag: z.string(),
  state: jsonProperty(z.object({ at: z.number(), writes: bucketSchema, units: bucketSchema, instances: z.record(z.string(), z.number()).optional() })),
});

export function createBudgetTable(table: LazyTable, timeoutMs = 2_000): BudgetStore {
  const key = (tenantKey: string) => assertTableKey(tenantKey, "tenant key");
  return {
    async read(tenantKey) {
      const client = await within(timeoutMs, table.ready());
      try {
        const entity = await client.getEntity(key(tenantKey), ROW, { abortSignal: AbortSignal.timeout(timeoutMs) });
        const { state, etag } = parseEntity(entitySchema, table.name, entity);
        return { state: state satisfies BudgetState, etag };
      } catch (error) {
        if (tableStatus(error) === 404) return null;
        throw error;
      }
    },

    async write(tenantKey, state, etag) {
      const client = await within(timeoutMs, table.ready());
      const entity = { partitionKey: key(tenantKey), rowKey: ROW, state: JSON.stringify(state) };
      const options = { abortSignal: AbortSignal.timeout(timeoutMs) };
      try {
        if (etag === null) await client.createEntity(entity, options);
        else await client.updateEntity(entity, "Replace", { ...options, etag });
      } catch (error) {
        const status = tableStatus(error);
        // 404 on a conditional replace: the row was deleted since it was read (an operator resetting the budget,
        // docs/operating.md) — like a lost race, read again and create it, rather than pacing from memory.
        if (status === 409 || status === 412 || (status === 404 && etag !== null)) {
          throw new ConcurrencyError(`The Graph budget of ${tenantKey} was changed by another instance first`);
        }
        throw error;
      }
    },
  };
}

/** Creating the table on first use has no abort signal of its own. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Table Storage did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

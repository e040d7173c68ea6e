import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { z } from "zod";
import type { CatalogStore, StoredCatalog } from "../snapshots/siteCatalog.js";
import { CorruptEntityError, isObject } from "./entityValues.js";
import { ENTITY_BYTES, fromProperties, toProperties } from "./packing.js";
import type { LazyTable } from "./tableAccess.js";
import { readOrNull } from "./tableErrors.js";

const inflate = promisify(gunzip);
const deflate = promisify(gzip);

/** A partition no collection id can take (ids are 8 letters and digits), in the snapshots table. */
const PARTITION = "site-catalog";
const ROW = "catalog";

const storedSchema = z.custom<StoredCatalog>((value) => isObject(value) && Array.isArray((value as { collections?: unknown }).collections));

/** The site's collection catalog as one entity of gzip JSON (docs/storage.md); ≤ 600,000 bytes compressed. */
export function createCatalogTable(table: LazyTable): CatalogStore {
  return {
    async get() {
      const client = await table.ready();
      const entity = await readOrNull(() => client.getEntity<Record<string, unknown>>(PARTITION, ROW));
      if (entity === null) return null;
      const data = fromProperties(entity);
      const parsed = data === null ? null : storedSchema.safeParse(JSON.parse((await inflate(data)).toString("utf8")));
      if (parsed === null || !parsed.success) throw new CorruptEntityError(table.name, PARTITION, ROW, "not a stored catalog");
      return parsed.data;
    },

    async put(catalog) {
      const data = await deflate(Buffer.from(JSON.stringify(catalog), "utf8"));
      if (data.length > ENTITY_BYTES) throw new RangeError(`The catalog compresses to ${data.length} bytes; at most ${ENTITY_BYTES} are kept`);
      const client = await table.ready();
      await client.upsertEntity({ partitionKey: PARTITION, rowKey: ROW, ...toProperties(data) }, "Replace");
    },
  };
}

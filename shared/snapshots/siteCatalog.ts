import { createHash } from "node:crypto";
import { z } from "zod";
import { collectionIdSchema } from "../core/ids.js";
import { SNAPSHOT_LIMITS } from "./snapshot.js";
import { parseSourceTime } from "./sourceTime.js";

/**
 * The site's collection catalog (SOURCE_MODE=pushed): every device and user collection the collector's account
 * can read, uploaded when it changed, so the console can pick a collection by name although the app never calls
 * the AdminService (docs/collector.md "The collection catalog").
 */
export const CATALOG_LIMITS = {
  collections: 50_000,
  /** Body of a catalog upload (JSON): ~150 bytes per collection. */
  uploadBytes: 8 * 1024 * 1024,
} as const;

/**
 * A collector reads the site's collections for the catalog at most this often: a pass where nothing changed then
 * costs the SMS Provider one request (the mapped collections' watermarks), and a new collection is offered by name
 * within five minutes.
 */
export const CATALOG_READ_EVERY_MS = 5 * 60_000;

/** A collector re-sends an unchanged catalog this often, so its age in health shows a live collector. */
export const CATALOG_REFRESH_MS = 60 * 60_000;

const entrySchema = z
  .object({
    id: collectionIdSchema,
    name: z
      .string()
      .max(SNAPSHOT_LIMITS.nameLength)
      .refine((value) => !/\p{Cc}/u.test(value), "must not contain control characters"),
    type: z.enum(["device", "user"]),
    memberCount: z.number().int().min(0).max(100_000_000),
    lastMemberChangeTime: z
      .string()
      .max(64)
      .refine((value) => parseSourceTime(value) !== null, "must be an ISO 8601 date and time")
      .nullable(),
  })
  .strict();
export type CatalogEntry = z.output<typeof entrySchema>;

export const catalogUploadSchema = z
  .object({
    collections: z
      .array(entrySchema)
      .max(CATALOG_LIMITS.collections)
      .superRefine((entries, ctx) => {
        const seen = new Set<string>();
        for (const [index, entry] of entries.entries()) {
          if (seen.has(entry.id)) ctx.addIssue({ code: "custom", path: [index, "id"], message: `${entry.id} is listed twice` });
          seen.add(entry.id);
        }
      }),
    /** When the collector read SMS_Collection. */
    readAt: z.iso.datetime({ offset: true }),
    collector: z.string().min(1).max(SNAPSHOT_LIMITS.collectorLength),
  })
  .strict();
export type CatalogUpload = z.output<typeof catalogUploadSchema>;

/** The catalog as the app keeps it. */
export interface StoredCatalog {
  readonly collections: readonly CatalogEntry[];
  /** catalogHash of the collections: the collector compares it before uploading. */
  readonly hash: string;
  readonly readAt: string;
  readonly uploadedAt: string;
  readonly collector: string;
  readonly uploadedBy: string;
}

/** Same collections, same hash, whatever order they were read in. Both sides compute it. */
export function catalogHash(collections: readonly CatalogEntry[]): string {
  const sorted = [...collections].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const canonical = sorted.map((c) => [c.id, c.name, c.type, c.memberCount, c.lastMemberChangeTime]);
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}

/** Where the app keeps the catalog (one per app: one site per app). */
export interface CatalogStore {
  get(): Promise<StoredCatalog | null>;
  put(catalog: StoredCatalog): Promise<void>;
}

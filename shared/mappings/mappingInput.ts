import { z } from "zod";
import { collectionIdSchema, guidSchema } from "../core/ids.js";
import type { SyncMode } from "../core/mapping.js";

/**
 * What a caller may send to create or change a mapping. `.strict()` rejects unknown fields, so a typo
 * ("mdoe") or an attempt to set server-owned fields (createdBy, etag) is an error, never silently ignored.
 */
const modeSchema = z.enum(["additive", "managed", "mirror"] satisfies SyncMode[]);
const percentSchema = z.number().int().min(0).max(100);
const countSchema = z.number().int().min(0).max(1_000_000);

export const createMappingSchema = z
  .object({
    collectionId: collectionIdSchema,
    groupId: guidSchema,
    /** null or absent: the app's home tenant. */
    tenantId: guidSchema.nullable().default(null),
    mode: modeSchema.default("additive"),
    enabled: z.boolean().default(true),
    includeHybridJoined: z.boolean().default(false),
    removalThresholdPercent: percentSchema.nullable().default(null),
    removalThresholdCount: countSchema.nullable().default(null),
    /**
     * What the collection holds. Read from the collection itself when it is known; required only for a
     * collection that awaits its first collector snapshot (SOURCE_MODE=pushed).
     */
    memberType: z.enum(["device", "user"]).optional(),
    notify: z.boolean().default(true),
  })
  .strict();

export type CreateMappingInput = z.output<typeof createMappingSchema>;

export const updateMappingSchema = z
  .object({
    mode: modeSchema.optional(),
    enabled: z.boolean().optional(),
    includeHybridJoined: z.boolean().optional(),
    /** null resets the threshold to the app-wide default. */
    removalThresholdPercent: percentSchema.nullable().optional(),
    removalThresholdCount: countSchema.nullable().optional(),
    notify: z.boolean().optional(),
  })
  .strict()
  .refine((changes) => Object.values(changes).some((value) => value !== undefined), {
    message: "name at least one of mode, enabled, includeHybridJoined, removalThresholdPercent, removalThresholdCount, notify",
  });

export type UpdateMappingInput = z.output<typeof updateMappingSchema>;

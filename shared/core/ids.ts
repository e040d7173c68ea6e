import { z } from "zod";

/**
 * ConfigMgr collection ids are a three-character site code followed by five hex digits (SMS00001, PS100012).
 * Checking ids against strict patterns before they reach a Table key or an OData filter is our first line
 * against injection; the `odata` helper is the second.
 */
export const COLLECTION_ID_PATTERN = /^[A-Za-z0-9]{3}[0-9A-Fa-f]{5}$/;
export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const collectionIdSchema = z
  .string()
  .regex(COLLECTION_ID_PATTERN, "must be a ConfigMgr collection id: a 3-character site code and 5 hex digits, e.g. PS100012")
  .transform((id) => id.toUpperCase());

export const guidSchema = z
  .string()
  .regex(GUID_PATTERN, "must be a GUID such as 0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5")
  .transform((id) => id.toLowerCase());

/** Partition + row key of a mapping joined into one Table-safe key (used by runs, state and ledger). */
export function mappingKeyOf(ref: MappingRef): string {
  return `${ref.collectionId}_${ref.groupId}`;
}

export interface MappingRef {
  readonly collectionId: string;
  readonly groupId: string;
}

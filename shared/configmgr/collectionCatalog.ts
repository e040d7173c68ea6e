/** A collection a mapping can sync from, as a picker lists it. */
export interface CollectionSummary {
  readonly id: string;
  readonly name: string;
  readonly type: "device" | "user";
  readonly memberCount: number;
}

/**
 * Finds collections by name or id, for people choosing one (the console's picker, `GET /api/collections`).
 * Device and user collections only: others cannot be synced. Implemented over the AdminService (pull) or over
 * the collector's snapshots (pushed).
 */
export interface CollectionCatalog {
  /** Collections whose name starts with `text`, and the one whose id is `text`; at most `limit`, by name. */
  search(text: string, limit: number): Promise<CollectionSummary[]>;
}

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
  /**
   * Collections whose name contains `text` anywhere (case-insensitively), and the one whose id is `text`; at most
   * `limit`, ranked by rankFound.
   */
  search(text: string, limit: number): Promise<CollectionSummary[]>;
}

/** The exact id first, then names that start with the text, then the rest; by name within each; at most `limit`. */
export function rankFound(found: readonly CollectionSummary[], text: string, limit: number): CollectionSummary[] {
  const needle = text.toLowerCase();
  const rank = (c: CollectionSummary) => (c.id.toLowerCase() === needle ? 0 : c.name.toLowerCase().startsWith(needle) ? 1 : 2);
  return [...found].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)).slice(0, limit);
}

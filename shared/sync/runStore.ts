import type { SyncRun } from "./syncRun.js";

export interface RunPage {
  readonly items: SyncRun[];
  readonly continuationToken: string | undefined;
}

/** Run history (Table Storage `runs`: PartitionKey mappingKey, RowKey inverted timestamp → newest first). */
export interface RunStore {
  record(run: SyncRun): Promise<void>;
  list(mappingKey: string, options?: { pageSize?: number; continuationToken?: string }): Promise<RunPage>;
  /** Removes a mapping's history (when the mapping is deleted). */
  deleteAll(mappingKey: string): Promise<void>;
}

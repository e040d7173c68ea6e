/**
 * Members this app added to a group (Table Storage `ledger`: PartitionKey mappingKey, RowKey object id).
 * `managed` mode removes only members recorded here, so a member added by hand is never touched.
 */
export interface Ledger {
  list(mappingKey: string): Promise<Set<string>>;
  add(mappingKey: string, objectIds: readonly string[]): Promise<void>;
  remove(mappingKey: string, objectIds: readonly string[]): Promise<void>;
  deleteAll(mappingKey: string): Promise<void>;
}

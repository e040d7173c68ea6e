import type { MappingsApi } from "../../shared/api/apiTypes.js";
import { callApi } from "../apiCall.js";
import type { CliIo } from "../io.js";
import { UsageError } from "../usage.js";

/**
 * `snapshots discard <collectionId>` (SOURCE_MODE=pushed): drops the collection's current snapshot, as
 * `DELETE /api/collections/{id}/snapshots/current` does. Removals wait until the collector's next pass uploads
 * the collection afresh.
 */
export async function snapshotsCommand(api: MappingsApi, args: readonly string[], io: CliIo): Promise<number> {
  const [action, collectionId, ...rest] = args;
  if (action !== "discard") throw new UsageError(`snapshots: unknown action ${JSON.stringify(action ?? "")} (expected "discard <collectionId>")`);
  if (collectionId === undefined || collectionId.startsWith("-") || rest.length > 0)
    throw new UsageError("snapshots discard takes exactly one collection id, e.g. snapshots discard PS100020");
  const response = await callApi(api, "DELETE", `/collections/${encodeURIComponent(collectionId)}/snapshots/current`);
  const { discarded } = response.jsonBody as { discarded: { snapshotId: string; members: number; collector: string; committedAt: string } };
  io.out(
    `Discarded snapshot ${discarded.snapshotId} of ${collectionId} (${discarded.members} members, from ${discarded.collector}, committed ${discarded.committedAt}). ` +
      "Removals wait until the collector's next pass uploads the collection again.",
  );
  return 0;
}

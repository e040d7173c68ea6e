import type { MappingsApi } from "../../shared/api/apiTypes.js";
import type { SyncRun } from "../../shared/sync/syncRun.js";
import { callApi } from "../apiCall.js";
import { mappingPath, mappingRefOptions, parse } from "../args.js";
import { skippedText, table } from "../format.js";
import type { CliIo } from "../io.js";

/** `runs --collection ID --group ID`: the run history, newest first. */
export async function runsCommand(api: MappingsApi, args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { ...mappingRefOptions, json: { type: "boolean" } });
  const response = await callApi(api, "GET", `${mappingPath(values)}/runs`, { query: { pageSize: "50" } });
  const runs = (response.jsonBody as { items: SyncRun[] }).items;
  if (values.json) {
    io.out(JSON.stringify(runs, null, 2));
    return 0;
  }
  if (runs.length === 0) {
    io.out("No runs yet.");
    return 0;
  }
  const rows = runs.map((r) => [r.startedAt, r.trigger, r.status, String(r.counts.added), String(r.counts.alreadyPresent), String(r.counts.removed), skippedText(r), String(r.counts.failed), `${r.durationMs} ms`]);
  io.out(table(["STARTED", "TRIGGER", "STATUS", "ADDED", "PRESENT", "REMOVED", "SKIPPED", "FAILED", "DURATION"], rows));
  return 0;
}

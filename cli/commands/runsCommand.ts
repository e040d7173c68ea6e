import type { MappingsApi } from "../../shared/api/apiTypes.js";
import type { ApiResponse } from "../../shared/api/apiMessages.js";
import type { MemberReportEntry, SyncRun } from "../../shared/core/syncRun.js";
import { callApi } from "../apiCall.js";
import { mappingPath, mappingRefOptions, optionalString, parse } from "../args.js";
import { runSummary, skippedText, table } from "../format.js";
import type { CliIo } from "../io.js";

/** `runs --collection ID --group ID`: the run history, newest first; `runs show …`: one run, member by member. */
export async function runsCommand(api: MappingsApi, args: readonly string[], io: CliIo): Promise<number> {
  if (args[0] === "show") return showRun(api, args.slice(1), io);
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
  const rows = runs.map((r) => [
    r.startedAt,
    r.trigger,
    r.status,
    String(r.counts.added),
    String(r.counts.alreadyPresent),
    String(r.counts.removed),
    skippedText(r),
    String(r.counts.failed),
    `${r.durationMs} ms`,
    r.runId,
  ]);
  io.out(table(["STARTED", "TRIGGER", "STATUS", "ADDED", "PRESENT", "REMOVED", "SKIPPED", "FAILED", "DURATION", "RUN"], rows));
  return 0;
}

/** `runs show --collection ID --group ID [--run ID] [--outcome O] [--csv | --json]`: the newest run unless --run. */
async function showRun(api: MappingsApi, args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    ...mappingRefOptions,
    run: { type: "string" },
    outcome: { type: "string" },
    csv: { type: "boolean" },
    json: { type: "boolean" },
  });
  const base = `${mappingPath(values)}/runs`;
  const runId = optionalString(values, "run") ?? (await newestRunId(api, base));
  if (runId === null) {
    io.out("No runs yet.");
    return 0;
  }
  const outcome = optionalString(values, "outcome");
  const membersPath = `${base}/${encodeURIComponent(runId)}/members`;
  const filter: Record<string, string> = outcome === undefined ? {} : { outcome };
  if (values.csv) {
    const csv = await callApi(api, "GET", membersPath, { query: { ...filter, format: "csv" } });
    io.out((await bodyText(csv)).replace(/\r\n$/, ""));
    return 0;
  }
  const run = (await callApi(api, "GET", `${base}/${encodeURIComponent(runId)}`)).jsonBody as SyncRun;
  const members = await allMembers(api, membersPath, filter);
  if (values.json) {
    io.out(JSON.stringify({ run, members }, null, 2));
    return 0;
  }
  io.out(runSummary(run));
  io.out(`  run ${run.runId}, started ${run.startedAt}`);
  if (members.length === 0) {
    io.out("No members were added, removed, skipped or failed in this run.");
    return 0;
  }
  const rows = members.map((m) => [
    m.outcome,
    m.reason ?? "",
    m.resourceId === null ? "" : String(m.resourceId),
    m.name ?? "",
    m.entraId ?? "",
    m.objectId ?? "",
    m.error ?? "",
  ]);
  io.out(table(["OUTCOME", "REASON", "RESOURCEID", "NAME", "ENTRA ID", "OBJECT ID", "ERROR"], rows));
  return 0;
}

async function bodyText(response: ApiResponse): Promise<string> {
  if (response.streamBody === undefined) return response.textBody ?? "";
  const pieces: Buffer[] = [];
  for await (const piece of response.streamBody()) pieces.push(typeof piece === "string" ? Buffer.from(piece, "utf8") : Buffer.from(piece));
  return Buffer.concat(pieces).toString("utf8");
}

async function newestRunId(api: MappingsApi, base: string): Promise<string | null> {
  const response = await callApi(api, "GET", base, { query: { pageSize: "1" } });
  return (response.jsonBody as { items: SyncRun[] }).items[0]?.runId ?? null;
}

async function allMembers(api: MappingsApi, path: string, filter: Record<string, string>): Promise<MemberReportEntry[]> {
  const members: MemberReportEntry[] = [];
  for (let page = 1; ; page++) {
    const body = (await callApi(api, "GET", path, { query: { ...filter, page: String(page), pageSize: "1000" } })).jsonBody as {
      items: MemberReportEntry[];
      total: number;
    };
    members.push(...body.items);
    if (body.items.length === 0 || members.length >= body.total) return members;
  }
}

import type { MappingsApi } from "../../shared/api/apiTypes.js";
import type { AuditEntryView } from "../../shared/api/contract.js";
import { callApi } from "../apiCall.js";
import { optionalInteger, optionalString, parse } from "../args.js";
import { table } from "../format.js";
import type { CliIo } from "../io.js";

/**
 * `audit [--collection ID] [--group ID] [--actor TEXT] [--action A[,B]] [--from TIME] [--to TIME] [--limit N] [--json]`:
 * who changed what, newest first — the API's `GET /audit`, in-process (same filters, same checks).
 */
export async function auditCommand(api: MappingsApi, args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    collection: { type: "string" },
    group: { type: "string" },
    actor: { type: "string" },
    action: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  const filter: Record<string, string> = {};
  for (const [option, name] of [
    ["collection", "collectionId"],
    ["group", "groupId"],
    ["actor", "actor"],
    ["action", "action"],
    ["from", "from"],
    ["to", "to"],
  ] as const) {
    const value = optionalString(values, option);
    if (value !== undefined) filter[name] = value;
  }
  const limit = optionalInteger(values, "limit") ?? 100;
  const entries: AuditEntryView[] = [];
  let token: string | null = null;
  do {
    const query: Record<string, string> = { ...filter, pageSize: "200", ...(token === null ? {} : { continuationToken: token }) };
    const body = (await callApi(api, "GET", "/audit", { query })).jsonBody as { items: AuditEntryView[]; continuationToken: string | null };
    entries.push(...body.items);
    token = body.continuationToken;
  } while (token !== null && entries.length < limit);
  const shown = entries.slice(0, limit);
  if (values.json) {
    io.out(JSON.stringify(shown, null, 2));
    return 0;
  }
  if (shown.length === 0) {
    io.out("No changes recorded (for these filters).");
    return 0;
  }
  const rows = shown.map((e) => [
    e.at,
    e.actor.name,
    e.actionLabel,
    e.collectionId === null ? "" : `${e.collectionId}${e.groupId === null ? "" : ` → ${e.groupId}`}`,
    e.summary,
  ]);
  io.out(table(["WHEN", "WHO", "WHAT", "MAPPING", "CHANGE"], rows));
  return 0;
}

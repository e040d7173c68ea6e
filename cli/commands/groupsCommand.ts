import type { MappingsApi } from "../../shared/api/apiTypes.js";
import { callApi } from "../apiCall.js";
import { optionalString, parse } from "../args.js";
import { table } from "../format.js";
import type { CliIo } from "../io.js";
import { UsageError } from "../usage.js";

interface GroupResult {
  id: string;
  displayName: string;
  eligible: boolean;
  reason: string | null;
}

/** `groups search TEXT`: find a target group by name and see whether it can be one. */
export async function groupsCommand(api: MappingsApi, args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "search") throw new UsageError(sub === undefined ? "groups needs a subcommand: search" : `unknown groups subcommand "${sub}"`);
  const { values, positionals } = parse(rest, { tenant: { type: "string" }, json: { type: "boolean" } }, true);
  const text = positionals.join(" ").trim();
  if (text === "") throw new UsageError("groups search needs the text to look for, e.g. collection-sync groups search Autopilot");
  const query: Record<string, string> = { search: text };
  const tenant = optionalString(values, "tenant");
  if (tenant !== undefined) query.tenantId = tenant;
  const response = await callApi(api, "GET", "/groups", { query });
  const body = response.jsonBody as { items?: GroupResult[] } | GroupResult[];
  const items = Array.isArray(body) ? body : (body.items ?? []);
  if (values.json) {
    io.out(JSON.stringify(items, null, 2));
    return 0;
  }
  if (items.length === 0) {
    io.out(`No group name has a word starting with "${text}".`);
    return 0;
  }
  io.out(
    table(
      ["GROUP ID", "NAME", "CAN BE A TARGET"],
      items.map((g) => [g.id, g.displayName, g.eligible ? "yes" : `no: ${g.reason ?? ""}`]),
    ),
  );
  return 0;
}

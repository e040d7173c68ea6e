import type { MappingsApi } from "../../shared/api/apiTypes.js";
import { callApi } from "../apiCall.js";
import { mappingPath, mappingRefOptions, optionalBoolean, optionalInteger, optionalString, parse, required } from "../args.js";
import { table } from "../format.js";
import type { CliIo } from "../io.js";
import { UsageError } from "../usage.js";

interface MappingView {
  collectionId: string;
  groupId: string;
  collectionName: string | null;
  groupName: string | null;
  tenantId: string | null;
  mode: string;
  enabled: boolean;
  includeHybridJoined: boolean;
  notify: boolean;
  memberType: string;
  state: { health: string; lastRunStatus: string | null; lastRunAt: string | null; blocked: { guard: string } | null };
}

/** `mappings list|add|set|remove|approve`: the API's mapping routes, in-process. */
export async function mappingsCommand(api: MappingsApi, args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "list":
      return list(api, rest, io);
    case "add":
      return add(api, rest, io);
    case "set":
      return set(api, rest, io);
    case "remove": {
      const { values } = parse(rest, mappingRefOptions);
      await callApi(api, "DELETE", mappingPath(values));
      io.out(`Removed mapping ${required(values, "collection")} → ${required(values, "group")} (group members were left as they are).`);
      return 0;
    }
    case "approve": {
      const { values } = parse(rest, mappingRefOptions);
      await callApi(api, "POST", `${mappingPath(values)}/approve`);
      io.out("Approved: the next sync applies the blocked change once. Run `collection-sync sync` to apply it now.");
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? "mappings needs a subcommand: list, add, set, remove or approve" : `unknown mappings subcommand "${sub}"`);
  }
}

async function list(api: MappingsApi, args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { json: { type: "boolean" } });
  const items: MappingView[] = [];
  let token: string | null = null;
  do {
    const query: Record<string, string> = { pageSize: "200" };
    if (token) query.continuationToken = token;
    const response = await callApi(api, "GET", "/mappings", { query });
    const body = response.jsonBody as { items: MappingView[]; continuationToken: string | null };
    items.push(...body.items);
    token = body.continuationToken;
  } while (token);
  if (values.json) {
    io.out(JSON.stringify(items, null, 2));
    return 0;
  }
  if (items.length === 0) {
    io.out("No mappings yet. Add one with: collection-sync mappings add --collection ID --group ID");
    return 0;
  }
  const rows = items.map((m) => [
    m.collectionId,
    m.collectionName ?? "",
    m.groupId,
    m.groupName ?? "",
    m.mode,
    m.enabled ? "yes" : "no",
    m.state.blocked ? `blocked (${m.state.blocked.guard})` : m.state.health,
    m.state.lastRunStatus ?? "never run",
  ]);
  io.out(table(["COLLECTION", "NAME", "GROUP", "GROUP NAME", "MODE", "ENABLED", "HEALTH", "LAST RUN"], rows));
  return 0;
}

async function add(api: MappingsApi, args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    ...mappingRefOptions,
    mode: { type: "string" },
    "include-hybrid-joined": { type: "boolean" },
    tenant: { type: "string" },
    disabled: { type: "boolean" },
    "no-notify": { type: "boolean" },
    "removal-threshold-percent": { type: "string" },
    "removal-threshold-count": { type: "string" },
  });
  const body: Record<string, unknown> = { collectionId: required(values, "collection"), groupId: required(values, "group") };
  const mode = optionalString(values, "mode");
  if (mode !== undefined) body.mode = mode;
  if (values["include-hybrid-joined"]) body.includeHybridJoined = true;
  if (values.disabled) body.enabled = false;
  if (values["no-notify"]) body.notify = false;
  const tenant = optionalString(values, "tenant");
  if (tenant !== undefined) body.tenantId = tenant;
  addThresholds(values, body);
  const response = await callApi(api, "POST", "/mappings", { body });
  const created = response.jsonBody as MappingView;
  io.out(
    `Added mapping ${created.collectionId}${created.collectionName ? ` (${created.collectionName})` : ""} → ${created.groupId}${created.groupName ? ` (${created.groupName})` : ""}, mode ${created.mode}, ${created.enabled ? "enabled" : "disabled"}${created.notify ? "" : ", notifications off"}.`,
  );
  return 0;
}

async function set(api: MappingsApi, args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    ...mappingRefOptions,
    mode: { type: "string" },
    "include-hybrid-joined": { type: "string" },
    enabled: { type: "string" },
    notify: { type: "string" },
    "removal-threshold-percent": { type: "string" },
    "removal-threshold-count": { type: "string" },
  });
  const body: Record<string, unknown> = {};
  const mode = optionalString(values, "mode");
  if (mode !== undefined) body.mode = mode;
  const hybrid = optionalBoolean(values, "include-hybrid-joined");
  if (hybrid !== undefined) body.includeHybridJoined = hybrid;
  const enabled = optionalBoolean(values, "enabled");
  if (enabled !== undefined) body.enabled = enabled;
  const notify = optionalBoolean(values, "notify");
  if (notify !== undefined) body.notify = notify;
  addThresholds(values, body);
  if (Object.keys(body).length === 0)
    throw new UsageError(
      "mappings set needs at least one of --mode, --include-hybrid-joined, --enabled, --notify, --removal-threshold-percent, --removal-threshold-count",
    );
  const response = await callApi(api, "PATCH", mappingPath(values), { body });
  const updated = response.jsonBody as MappingView;
  io.out(
    `Updated mapping ${updated.collectionId} → ${updated.groupId}: mode ${updated.mode}, ${updated.enabled ? "enabled" : "disabled"}, hybrid-joined ${updated.includeHybridJoined ? "included" : "excluded"}, notifications ${updated.notify ? "on" : "off"}.`,
  );
  return 0;
}

function addThresholds(values: Record<string, string | boolean | undefined>, body: Record<string, unknown>): void {
  const percent = optionalInteger(values, "removal-threshold-percent");
  if (percent !== undefined) body.removalThresholdPercent = percent;
  const count = optionalInteger(values, "removal-threshold-count");
  if (count !== undefined) body.removalThresholdCount = count;
}

import { collectionIdSchema, guidSchema } from "../../shared/core/ids.js";
import type { Mapping } from "../../shared/core/mapping.js";
import type { SyncRun } from "../../shared/core/syncRun.js";
import type { AppServices } from "../../functions/composeServices.js";
import { optionalString, parse } from "../args.js";
import { runSummary } from "../format.js";
import type { CliIo } from "../io.js";
import { UsageError } from "../usage.js";

/** Outcomes that leave the mapping as it should be; anything else makes `sync` exit 1. */
const GOOD: ReadonlySet<SyncRun["status"]> = new Set(["succeeded", "skipped-unchanged", "preview"]);

/**
 * `sync`: runs the engine in-process (no queue) for the matching enabled mappings, one after the other, and
 * prints what each run did.
 */
export async function syncCommand(services: AppServices, args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { collection: { type: "string" }, group: { type: "string" }, "dry-run": { type: "boolean" }, json: { type: "boolean" } });
  const collectionId = idOption(values, "collection", (v) => collectionIdSchema.safeParse(v));
  const groupId = idOption(values, "group", (v) => guidSchema.safeParse(v));
  const mappings: Mapping[] = [];
  for await (const mapping of services.sync.mappings.listAll({ enabledOnly: true, ...(collectionId ? { collectionId } : {}) })) {
    if (groupId === undefined || mapping.groupId === groupId) mappings.push(mapping);
  }
  const dryRun = values["dry-run"] === true;
  const runs: SyncRun[] = [];
  for (const mapping of mappings) {
    runs.push(await services.runSync({ collectionId: mapping.collectionId, groupId: mapping.groupId, trigger: "cli", dryRun }));
  }
  const exitCode = runs.every((run) => GOOD.has(run.status)) ? 0 : 1;
  await deliverNotifications(services, io);
  if (values.json) {
    io.out(JSON.stringify({ dryRun, exitCode, runs }, null, 2));
    return exitCode;
  }
  if (runs.length === 0) {
    io.out("No enabled mapping matches. List them with: collection-sync mappings list");
    return 0;
  }
  for (const run of runs) io.out(runSummary(run));
  const bad = runs.filter((run) => !GOOD.has(run.status));
  io.out(`${runs.length} mapping(s) ${dryRun ? "previewed" : "synced"}; ${bad.length === 0 ? "all succeeded" : `${bad.length} did not succeed`}.`);
  return exitCode;
}

/**
 * A `sync` run from cron has no notifier timer behind it: one delivery round here sends what its runs reported
 * (each POST bounded); whatever fails waits in the outbox for the next round (`serve`, the Functions app, the
 * next `sync`).
 */
async function deliverNotifications(services: AppServices, io: CliIo): Promise<void> {
  if (services.notifications === null) return;
  const report = await services.notifications.deliver();
  if (report.attempted === 0) return;
  const waiting = report.retrying > 0 ? `, ${report.retrying} waiting to be retried` : "";
  const failed = report.gaveUp > 0 ? `, ${report.gaveUp} given up` : "";
  io.err(`Notifications: ${report.sent} sent${waiting}${failed}.`);
}

function idOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  check: (v: string) => { success: boolean; data?: string },
): string | undefined {
  const raw = optionalString(values, name);
  if (raw === undefined) return undefined;
  const result = check(raw);
  if (!result.success || result.data === undefined) {
    throw new UsageError(
      name === "collection" ? `--collection "${raw}" is not a ConfigMgr collection id (e.g. PS100012)` : `--group "${raw}" is not a group object id (a GUID)`,
    );
  }
  return result.data;
}

import { ensureError } from "../errors.js";
import { mappingKeyOf } from "../core/ids.js";
import type { RunContext } from "./runContext.js";

/** A mirror run removing a whole hand-filled group stays bounded: past this many, the rest keep their ids only. */
export const NAME_LOOKUP_LIMIT = 10_000;

/**
 * Names the report's rows the collection did not name — members leaving the group (mirror removes hand-added
 * ones, managed removes those that left the collection) — from Entra, so a person deciding on a removal reads
 * KIOSK-01, not an object id. The look-ups go through the run's own directory view (its deadline and the tenant's
 * shared budget). A failure costs the names only, never the run: it is logged and the rows keep their ids.
 */
export async function nameUnnamedMembers(ctx: RunContext): Promise<void> {
  const ids = (await ctx.record.report.unnamed()).slice(0, NAME_LOOKUP_LIMIT);
  if (ids.length === 0) return;
  try {
    await ctx.record.report.name(await ctx.directory.nameMembers(ids, ctx.mapping.memberType));
  } catch (error) {
    ctx.deps.log.warn("Could not name the members leaving the group; the report lists them by object id", {
      mappingKey: mappingKeyOf(ctx.mapping),
      members: ids.length,
      error: ensureError(error).message,
    });
  }
}

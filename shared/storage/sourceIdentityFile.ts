import { readFile } from "node:fs/promises";
import { z } from "zod";
import { knownAmong, type SourceIdentity, type SourceIdentityCache, type SourceKind } from "../configmgr/sourceIdentityCache.js";
import { ensureError } from "../errors.js";
import type { Logger } from "../logger.js";
import { writeFileAtomically } from "../atomicFile.js";

export interface SourceIdentityFileOptions {
  /** The file in the collector's data folder (`source-identities.json`). */
  readonly path: string;
  /** Identities older than this (members long gone) are dropped whenever the file is rewritten. */
  readonly retainMs: number;
  /** Most identities kept (both kinds together); beyond it the least recently checked go first. */
  readonly maxIdentities?: number;
  readonly log: Logger;
}

/**
 * 2,000,000 identities (~160 MB of JSON) hold the largest hierarchy ConfigMgr supports (825,000 devices) with its
 * users: a cap below a site's mapped members would forget some on every pass and look them up again (bench S7: a
 * 1,000,000-member collection under the earlier 500,000 cost ~1,000 extra AdminService requests per pass).
 */
const DEFAULT_MAX_IDENTITIES = 2_000_000;
const FORMAT_VERSION = 1;

/** One identity as a row: [resourceId, name, entraId, userPrincipalName, checkedAt] (a third of the keyed size). */
const rowSchema = z.tuple([z.number().int(), z.string(), z.string().nullable(), z.string().nullable(), z.number()]);
const fileSchema = z.object({
  version: z.literal(FORMAT_VERSION),
  device: z.array(rowSchema),
  user: z.array(rowSchema),
});
type Row = z.infer<typeof rowSchema>;

type Identities = Record<SourceKind, Map<number, SourceIdentity>>;

/**
 * The collector's source identity cache: the same contract as the app's `sourceIdentity` table, kept as one JSON
 * file in the collector's data folder (docs/collector.md). The collector is the folder's only writer, so the file
 * is read once and then served from memory; every change rewrites it through a temporary file and a rename, so a
 * crash leaves the previous file whole (and one that cannot be written is logged, not fatal). A file that cannot be read or parsed costs a full lookup, never the pass:
 * the cache starts empty with a warning and the next write replaces the file.
 */
export function createSourceIdentityFile(options: SourceIdentityFileOptions): SourceIdentityCache {
  const maxIdentities = options.maxIdentities ?? DEFAULT_MAX_IDENTITIES;
  let loaded: Promise<Identities> | null = null;
  // Writes one after another: a slow rename never lets an older picture overwrite a newer one.
  let writing: Promise<void> = Promise.resolve();

  const identities = () => (loaded ??= load(options.path, options.log));

  return {
    async getMany(kind, resourceIds) {
      return knownAmong((await identities())[kind], resourceIds);
    },

    async putMany(kind, incoming) {
      if (incoming.length === 0) return;
      const all = await identities();
      const known = all[kind];
      let newest = 0;
      for (const identity of incoming) {
        const existing = known.get(identity.resourceId);
        if (existing === undefined || existing.checkedAt <= identity.checkedAt) known.set(identity.resourceId, identity);
        newest = Math.max(newest, identity.checkedAt);
      }
      prune(all, newest - options.retainMs, maxIdentities);
      const text = serialise(all);
      // The identities stay remembered in memory either way; a file that cannot be written only costs a restart.
      writing = writing
        .then(() => writeFileAtomically(options.path, text))
        .catch((error: unknown) =>
          options.log.warn("the source identity cache could not be written", { path: options.path, error: ensureError(error).message }),
        );
      await writing;
    },
  };
}

async function load(path: string, log: Logger): Promise<Identities> {
  const empty: Identities = { device: new Map(), user: new Map() };
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return empty;
    log.warn("the source identity cache could not be read: starting empty (every member is looked up once)", { path, error: ensureError(error).message });
    return empty;
  }
  let parsed: z.infer<typeof fileSchema>;
  try {
    const result = fileSchema.safeParse(JSON.parse(text));
    if (!result.success) throw new Error(result.error.issues[0]?.message ?? "unexpected shape");
    parsed = result.data;
  } catch (error) {
    log.warn("the source identity cache is damaged: starting empty (every member is looked up once)", { path, error: ensureError(error).message });
    return empty;
  }
  return { device: fromRows(parsed.device), user: fromRows(parsed.user) };
}

function fromRows(rows: readonly Row[]): Map<number, SourceIdentity> {
  return new Map(
    rows.map(([resourceId, name, entraId, userPrincipalName, checkedAt]) => [resourceId, { resourceId, name, entraId, userPrincipalName, checkedAt }]),
  );
}

function toRows(identities: Map<number, SourceIdentity>): Row[] {
  return [...identities.values()].map((i) => [i.resourceId, i.name, i.entraId, i.userPrincipalName, i.checkedAt]);
}

function serialise(all: Identities): string {
  return JSON.stringify({ version: FORMAT_VERSION, device: toRows(all.device), user: toRows(all.user) });
}

/** Drops identities checked before `oldestKept`, then the least recently checked beyond `max`. */
function prune(all: Identities, oldestKept: number, max: number): void {
  for (const known of Object.values(all)) {
    for (const [id, identity] of known) if (identity.checkedAt < oldestKept) known.delete(id);
  }
  const total = all.device.size + all.user.size;
  if (total <= max) return;
  const byAge = (Object.entries(all) as [SourceKind, Map<number, SourceIdentity>][])
    .flatMap(([kind, known]) => [...known.values()].map((identity) => ({ kind, identity })))
    .sort((a, b) => a.identity.checkedAt - b.identity.checkedAt);
  for (const { kind, identity } of byAge.slice(0, total - max)) all[kind].delete(identity.resourceId);
}

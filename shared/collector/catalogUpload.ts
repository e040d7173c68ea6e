import { ensureError } from "../errors.js";
import { COLLECTION_ID_PATTERN } from "../core/ids.js";
import type { Logger } from "../logger.js";
import { CATALOG_READ_EVERY_MS, CATALOG_REFRESH_MS, catalogHash, type CatalogEntry } from "../snapshots/siteCatalog.js";
import { SNAPSHOT_LIMITS } from "../snapshots/snapshot.js";
import { parseSourceTime } from "../snapshots/sourceTime.js";
import type { Clock } from "../core/ports/clock.js";
import type { CollectorAppClient } from "./appClient.js";

/** Where the collector reads the site's collections (the AdminService catalog's listAll). */
export interface CatalogSource {
  listAll(): Promise<readonly { id: string; name: string; type: "device" | "user"; memberCount: number; lastMemberChangeTime: string | null }[]>;
}

export interface CatalogOutcome {
  readonly result: "uploaded" | "unchanged" | "failed";
  readonly collections: number;
  readonly message: string;
}

/** When this process last read each catalog source: between reads a pass costs the catalog nothing. */
const lastRead = new WeakMap<CatalogSource, number>();

/**
 * Reads every device and user collection (at most every CATALOG_READ_EVERY_MS, judged by the app's copy, so the
 * collector keeps no state of its own) and uploads the list when its hash differs from the app's, or when the
 * app's copy is older than CATALOG_REFRESH_MS (so health shows a live collector). A failure is reported and
 * costs nothing else: snapshots go up as usual.
 */
export async function sendCatalog(
  deps: { readonly app: CollectorAppClient; readonly clock: Clock; readonly log: Logger; readonly collectorName: string },
  source: CatalogSource,
  appCopy: { readonly hash: string; readonly readAt: string; readonly collections?: number | undefined } | null,
): Promise<CatalogOutcome> {
  const now = deps.clock.now();
  const appCopyAge = appCopy === null ? Number.POSITIVE_INFINITY : now - Date.parse(appCopy.readAt);
  const sinceOwnRead = now - (lastRead.get(source) ?? Number.NEGATIVE_INFINITY);
  if (appCopy !== null && Math.min(appCopyAge >= 0 ? appCopyAge : Infinity, sinceOwnRead) < CATALOG_READ_EVERY_MS) {
    return { result: "unchanged", collections: appCopy.collections ?? 0, message: "The catalog was read less than five minutes ago." };
  }
  try {
    lastRead.set(source, now);
    const readAt = new Date(deps.clock.now()).toISOString();
    const collections = (await source.listAll()).flatMap(asEntry);
    const hash = catalogHash(collections);
    const fresh = appCopyAge < CATALOG_REFRESH_MS;
    if (appCopy?.hash === hash && fresh) return { result: "unchanged", collections: collections.length, message: "The app's catalog is current." };
    await deps.app.putCatalog({ collections, readAt, collector: deps.collectorName });
    deps.log.info("collection catalog uploaded", { collections: collections.length });
    return { result: "uploaded", collections: collections.length, message: `${collections.length} collections uploaded.` };
  } catch (error) {
    const message = ensureError(error).message;
    deps.log.warn("collection catalog not uploaded", { error: message });
    return { result: "failed", collections: 0, message };
  }
}

/** A collection as the app takes it: a valid id, a printable name, a time in one shape (unreadable: unknown). */
function asEntry(c: Awaited<ReturnType<CatalogSource["listAll"]>>[number]): CatalogEntry[] {
  if (!COLLECTION_ID_PATTERN.test(c.id)) return [];
  const changed = c.lastMemberChangeTime === null ? null : parseSourceTime(c.lastMemberChangeTime);
  return [
    {
      id: c.id,
      name: c.name.replace(/\p{Cc}/gu, " ").slice(0, SNAPSHOT_LIMITS.nameLength),
      type: c.type,
      memberCount: c.memberCount,
      lastMemberChangeTime: changed === null ? null : new Date(changed).toISOString(),
    },
  ];
}

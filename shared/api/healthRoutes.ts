import { ensureError } from "../errors.js";
import type { NotificationHealth } from "../notify/notifications.js";
import type { ApiDeps } from "./apiTypes.js";
import { HEALTH_REUSE, reusedWhileFresh, type HealthCheck } from "../doctor/health.js";
import { json, type Route } from "./route.js";
import { mappedCollections } from "../snapshots/mappedCollections.js";
import { z } from "zod";
import { optionalQueryParam } from "./params.js";
import { ApiProblem } from "./problems.js";

const verboseSchema = z.enum(["true", "false"], { message: "must be true or false" });

/** Notification delivery (pending, last failure); a receiver that is down makes the app "degraded", not down. */
async function notificationHealth(deps: ApiDeps): Promise<{ health: NotificationHealth | null; check: HealthCheck | null }> {
  if (deps.notificationHealth === undefined) return { health: null, check: null };
  try {
    return { health: await deps.notificationHealth(), check: null };
  } catch (error) {
    return { health: null, check: { name: "notifications", ok: false, detail: ensureError(error).message.slice(0, 200) } };
  }
}

/**
 * `GET /health`: 200 when every dependency answers (status "degraded" while dead-lettered jobs wait for a
 * person, while notifications fail to reach their receiver, or, with pushed snapshots, while a mapped
 * collection's snapshot is stale or awaited), 503 when one is down, so a load balancer or App Service health
 * check can act on the code alone. `?verbose=true` adds `diagnosis`: the checks of `collection-sync doctor`
 * (shared/doctor), which read every mapped collection and group, so they cost more and are never run otherwise.
 */
export function healthRoutes(deps: ApiDeps): Route[] {
  // Read like the probes, at most every 15 s: during a large sync each storage round trip waits behind the sync's
  // turns of the event loop, and a load balancer polling every few seconds would pay that on every poll.
  const readings = reusedWhileFresh(() => readStatus(deps), { ...HEALTH_REUSE, now: () => deps.clock.now() });
  return [
    {
      method: "GET",
      pattern: "/health",
      access: "read",
      async handle({ request }) {
        const verbose = optionalQueryParam(request.query, "verbose", verboseSchema) === "true";
        const diagnose = deps.diagnose;
        if (verbose && diagnose === undefined) {
          throw ApiProblem.validation([{ in: "query", name: "verbose", message: "the deeper checks are not offered by this deployment" }]);
        }
        const [report, { deadLetters, notifications, snapshots, catalog }, diagnosis] = await Promise.all([
          deps.health(),
          readings(),
          verbose && diagnose !== undefined ? diagnose() : null,
        ]);
        const checks = [...report.checks, ...[deadLetters.check, notifications.check, snapshots.check, catalog.check].filter((check) => check !== null)];
        const down = checks.some((check) => !check.ok);
        const lagging = snapshots.collections?.some((collection) => collection.status !== "current") ?? false;
        const waiting = (deadLetters.count ?? 0) > 0 || notifications.health?.failing === true || lagging;
        const status = down ? "unhealthy" : waiting ? "degraded" : "healthy";
        return json(down ? 503 : 200, {
          status,
          checks,
          deadLetterCount: deadLetters.count,
          ...(deps.notificationHealth === undefined ? {} : { notifications: notifications.health }),
          ...(snapshots.collections === undefined ? {} : { snapshots: snapshots.collections }),
          ...(catalog.catalog === undefined ? {} : { catalog: catalog.catalog }),
          ...(diagnosis === null ? {} : { diagnosis }),
        });
      },
    },
  ];
}

/** What /health reads besides the probes: dead letters, notification delivery, and in pushed mode snapshots and catalog. */
async function readStatus(deps: ApiDeps) {
  const [deadLetters, notifications, snapshots, catalog] = await Promise.all([
    deps.queue.deadLetterCount().then(
      (count) => ({ count, check: null }),
      (error: unknown) => ({
        count: null,
        check: { name: "deadLetters", ok: false, detail: ensureError(error).message.slice(0, 200) } satisfies HealthCheck,
      }),
    ),
    notificationHealth(deps),
    snapshotHealth(deps),
    catalogHealth(deps),
  ]);
  return { deadLetters, notifications, snapshots, catalog };
}

interface CollectionSnapshotHealth {
  readonly collectionId: string;
  /** Enabled mappings reading the collection: degraded while its snapshot is stale or awaited. */
  readonly mappings: number;
  readonly status: "current" | "stale" | "awaiting-first-snapshot";
  readonly snapshotId: string | null;
  readonly ageSeconds: number | null;
  readonly collector: string | null;
  readonly committedAt: string | null;
}

/** With pushed snapshots: per mapped collection, the last snapshot's age and the collector that sent it. */
async function snapshotHealth(deps: ApiDeps): Promise<{ collections?: CollectionSnapshotHealth[]; check: HealthCheck | null }> {
  if (!deps.snapshots.pushed) return { check: null };
  try {
    const mapped = await mappedCollections({ mappings: deps.mappings, snapshots: deps.snapshots }, deps.clock.now(), deps.snapshots.maxAgeMs);
    const collections = mapped.map(({ collectionId, mappings, snapshot }): CollectionSnapshotHealth => ({
      collectionId,
      mappings,
      status: snapshot === null ? "awaiting-first-snapshot" : snapshot.stale ? "stale" : "current",
      snapshotId: snapshot?.snapshotId ?? null,
      ageSeconds: snapshot?.ageSeconds ?? null,
      collector: snapshot?.collector ?? null,
      committedAt: snapshot?.committedAt ?? null,
    }));
    return { collections, check: null };
  } catch (error) {
    return { check: { name: "snapshots", ok: false, detail: ensureError(error).message.slice(0, 200) } };
  }
}

/** The collection catalog a collector uploads (pushed mode): how many collections, and how old the read is. */
interface CatalogHealth {
  readonly collections: number;
  readonly readAt: string;
  readonly ageSeconds: number;
  readonly collector: string;
}

/** With pushed snapshots: the catalog's age (null until a collector uploaded one); informative, never degrading. */
async function catalogHealth(deps: ApiDeps): Promise<{ catalog?: CatalogHealth | null; check: HealthCheck | null }> {
  if (!deps.snapshots.pushed) return { check: null };
  try {
    const catalog = await deps.siteCatalog.current();
    if (catalog === null) return { catalog: null, check: null };
    const ageSeconds = Math.max(0, Math.floor((deps.clock.now() - Date.parse(catalog.readAt)) / 1000));
    return { catalog: { collections: catalog.collections.length, readAt: catalog.readAt, ageSeconds, collector: catalog.collector }, check: null };
  } catch (error) {
    return { check: { name: "catalog", ok: false, detail: ensureError(error).message.slice(0, 200) } };
  }
}

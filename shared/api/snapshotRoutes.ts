import { recordAudit } from "../audit/auditTrail.js";
import { collectionIdSchema } from "../core/ids.js";
import { principalActor } from "./auditRecords.js";
import { mappedCollections, snapshotView } from "../snapshots/mappedCollections.js";
import { SNAPSHOT_LIMITS } from "../snapshots/snapshot.js";
import { stateOf } from "../snapshots/catalogService.js";
import { CATALOG_LIMITS, catalogUploadSchema } from "../snapshots/siteCatalog.js";
import { commitSchema, confirmSchema, partNumberSchema, SNAPSHOT_PART_CONTENT_TYPE, snapshotIdSchema } from "../snapshots/snapshotFormat.js";
import type { ApiDeps } from "./apiTypes.js";
import { ApiProblem, type FieldError } from "./problems.js";
import { readBodyBytes, readJsonBody } from "./requestInput.js";
import { json, type Route } from "./route.js";

/** Collection id and snapshot id (and part number) from the path, each checked against its strict pattern. */
function snapshotRefFrom(params: Readonly<Record<string, string>>, withPart: boolean): { collectionId: string; snapshotId: string; part: number } {
  const collection = collectionIdSchema.safeParse(params.collectionId);
  const snapshot = snapshotIdSchema.safeParse(params.snapshotId);
  const part = withPart ? partNumberSchema.safeParse(params.part) : { success: true as const, data: 0 };
  const errors: FieldError[] = [];
  if (!collection.success) errors.push({ in: "path", name: "collectionId", message: collection.error.issues[0]?.message ?? "invalid" });
  if (!snapshot.success) errors.push({ in: "path", name: "snapshotId", message: snapshot.error.issues[0]?.message ?? "invalid" });
  if (!part.success) errors.push({ in: "path", name: "part", message: part.error.issues[0]?.message ?? "invalid" });
  if (!collection.success || !snapshot.success || !part.success) throw ApiProblem.validation(errors);
  return { collectionId: collection.data, snapshotId: snapshot.data, part: part.data };
}

/**
 * The collector's side of the API (docs/api.md "Snapshots"): parts, commit and confirmation of collection
 * snapshots (app role Snapshots.Write), and the list of collections it should read.
 */
export function snapshotRoutes(deps: ApiDeps): Route[] {
  const service = deps.snapshots;
  return [
    {
      method: "GET",
      pattern: "/collections/mapped",
      access: "read-or-push",
      async handle() {
        const [items, catalog] = await Promise.all([
          mappedCollections({ mappings: deps.mappings, snapshots: service }, deps.clock.now(), service.maxAgeMs),
          deps.siteCatalog.current(),
        ]);
        return json(200, {
          sourceMode: service.pushed ? "pushed" : "adminservice",
          maxAgeMinutes: service.maxAgeMs / 60_000,
          items,
          catalog: catalog === null ? null : stateOf(catalog),
        });
      },
    },
    {
      // An admin's "read it again now" (SOURCE_MODE=pushed): the collector reads the collection in full on its
      // next pass even when ConfigMgr's watermark did not move, and the syncs run from that read at once.
      method: "POST",
      pattern: "/collections/:collectionId/refresh",
      access: "write",
      async handle({ params, principal }) {
        const collection = collectionIdSchema.safeParse(params.collectionId);
        if (!collection.success) throw ApiProblem.validation([{ in: "path", name: "collectionId", message: collection.error.issues[0]?.message ?? "invalid" }]);
        const snapshot = await service.requestRefresh(collection.data);
        await recordAudit(deps, {
          action: "collection.refresh",
          actor: principalActor(principal),
          collectionId: collection.data,
          after: { refreshReason: snapshot === null ? "first-snapshot" : "requested" },
          summary: "full re-read requested",
        });
        return json(202, {
          collectionId: collection.data,
          refreshReason: snapshot === null ? "first-snapshot" : "requested",
          snapshot: snapshot === null ? null : snapshotView(snapshot, deps.clock.now(), service.maxAgeMs),
        });
      },
    },
    {
      // The site's collection catalog, for picking a collection by name in pushed mode (docs/collector.md).
      method: "PUT",
      pattern: "/collections/catalog",
      access: "push",
      async handle({ request, principal }) {
        const upload = await readJsonBody(request, catalogUploadSchema, CATALOG_LIMITS.uploadBytes);
        return json(200, await deps.siteCatalog.accept(upload, principal.name));
      },
    },
    {
      // An operator drops a snapshot the app should never have trusted (or one to read afresh): removals wait, as
      // with no snapshot, until the collector's next read, which /collections/mapped asks for (`first-snapshot`).
      method: "DELETE",
      pattern: "/collections/:collectionId/snapshots/current",
      access: "write",
      async handle({ params, principal }) {
        const collection = collectionIdSchema.safeParse(params.collectionId);
        if (!collection.success) throw ApiProblem.validation([{ in: "path", name: "collectionId", message: collection.error.issues[0]?.message ?? "invalid" }]);
        const discarded = await service.discard(collection.data, principal.name);
        if (discarded === null) throw new ApiProblem(404, "not-found", `Collection ${collection.data} has no current snapshot.`);
        const view = snapshotView(discarded, deps.clock.now(), service.maxAgeMs);
        await recordAudit(deps, {
          action: "snapshot.discard",
          actor: principalActor(principal),
          collectionId: collection.data,
          before: { snapshotId: discarded.snapshotId, memberCount: view.memberCount, committedAt: view.committedAt },
          after: null,
          summary: "current snapshot discarded",
        });
        return json(200, { collectionId: collection.data, discarded: view });
      },
    },
    {
      method: "PUT",
      pattern: "/collections/:collectionId/snapshots/:snapshotId/parts/:part",
      access: "push",
      async handle({ request, params }) {
        const ref = snapshotRefFrom(params, true);
        const contentType = request.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
        if (contentType !== SNAPSHOT_PART_CONTENT_TYPE) {
          throw new ApiProblem(
            415,
            "unsupported-media-type",
            `Send a part as ${SNAPSHOT_PART_CONTENT_TYPE} (gzip-compressed JSON), not ${contentType ?? "no content type"}.`,
          );
        }
        const data = await readBodyBytes(request, SNAPSHOT_LIMITS.partBytes);
        const summary = await service.acceptPart(ref.collectionId, ref.snapshotId, ref.part, data);
        return json(200, { ...ref, memberType: summary.memberType, members: summary.members, bytes: data.length });
      },
    },
    {
      method: "POST",
      pattern: "/collections/:collectionId/snapshots/:snapshotId/commit",
      access: "push",
      async handle({ request, params, principal }) {
        const ref = snapshotRefFrom(params, false);
        const commit = await readJsonBody(request, commitSchema, SNAPSHOT_LIMITS.commitBytes);
        const outcome = await service.commit(ref.collectionId, ref.snapshotId, commit, principal.name);
        return json(200, { status: outcome.status, queuedSyncs: outcome.queued, current: snapshotView(outcome.snapshot, deps.clock.now(), service.maxAgeMs) });
      },
    },
    {
      method: "POST",
      pattern: "/collections/:collectionId/snapshots/:snapshotId/confirm",
      access: "push",
      async handle({ request, params }) {
        const ref = snapshotRefFrom(params, false);
        const confirm = await readJsonBody(request, confirmSchema, SNAPSHOT_LIMITS.commitBytes);
        const snapshot = await service.confirm(ref.collectionId, ref.snapshotId, confirm);
        return json(200, { current: snapshotView(snapshot, deps.clock.now(), service.maxAgeMs) });
      },
    },
  ];
}

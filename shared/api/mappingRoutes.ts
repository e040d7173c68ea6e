import pMap from "p-map";
import { changedFields, recordAudit } from "../audit/auditTrail.js";
import { collectionIdSchema, mappingKeyOf } from "../core/ids.js";
import type { Mapping } from "../core/mapping.js";
import { createMappingSchema, updateMappingSchema } from "../mappings/mappingInput.js";
import { createMappingsService } from "../mappings/mappingsService.js";
import { initialState } from "../core/ports/mappingState.js";
import type { ApiDeps } from "./apiTypes.js";
import { mappingAudit, principalActor } from "./auditRecords.js";
import { conditionalJson, ifMatchOf } from "./conditional.js";
import type { FleetIndex } from "../mappings/fleetIndex.js";
import { listMappings, mappingListQuerySchemas } from "./mappingList.js";
import { ifMatchFrom, mappingRefFrom, optionalQueryParam, pagingFrom } from "./params.js";
import type { MappingView } from "./apiWire.js";
import { mappingLocation, mappingView, sourceSummary, type SourceSummary } from "./representations.js";
import { snapshotView } from "../snapshots/mappedCollections.js";
import { readJsonBody } from "./requestInput.js";
import { json, type Route } from "./route.js";
import { ApiProblem } from "./problems.js";

/** Snapshot reads per list page run this many at a time (pushed mode). */
const SOURCE_READS_IN_FLIGHT = 16;
const UPDATABLE = ["mode", "enabled", "includeHybridJoined", "removalThresholdPercent", "removalThresholdCount", "notify"] as const;

/** `continuationToken` of the list: the next page's number (the list is paged by number; scripts follow tokens). */
function pageFromToken(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const match = /^p([1-9][0-9]{0,6})$/.exec(token);
  if (match === null)
    throw ApiProblem.validation([{ in: "query", name: "continuationToken", message: "must be a continuationToken returned by a previous page" }]);
  return Number(match[1]);
}

/** CRUD on `/mappings` and `/mappings/{collectionId}/{groupId}`. */
export function mappingRoutes(deps: ApiDeps & { readonly fleet: FleetIndex }): Route[] {
  const service = createMappingsService(deps);

  /** With pushed snapshots: the collection's current snapshot (one point read), else nothing. */
  async function sourceOf(mapping: Mapping): Promise<SourceSummary | undefined> {
    if (!deps.snapshots.pushed) return undefined;
    const snapshot = await deps.snapshots.current(mapping.collectionId);
    return sourceSummary(snapshot === null ? null : snapshotView(snapshot, deps.clock.now(), deps.snapshots.maxAgeMs));
  }

  async function withState(mapping: Mapping): Promise<MappingView> {
    const [state, source] = await Promise.all([deps.state.get(mappingKeyOf(mapping)), sourceOf(mapping)]);
    return mappingView(mapping, state, deps.clock.now(), source);
  }

  return [
    {
      method: "GET",
      pattern: "/mappings",
      access: "read",
      async handle({ request }) {
        const { query } = request;
        const paging = pagingFrom(query);
        const collectionId = optionalQueryParam(query, "collectionId", collectionIdSchema);
        const search = optionalQueryParam(query, "search", mappingListQuerySchemas.search);
        const statuses = optionalQueryParam(query, "status", mappingListQuerySchemas.status);
        const sort = optionalQueryParam(query, "sort", mappingListQuerySchemas.sort) ?? "collection";
        const order = optionalQueryParam(query, "order", mappingListQuerySchemas.order) ?? "asc";
        const page = pageFromToken(paging.continuationToken) ?? optionalQueryParam(query, "page", mappingListQuerySchemas.page) ?? 1;
        const now = deps.clock.now();
        const result = listMappings(
          await deps.fleet.fleet(),
          {
            ...(search === undefined ? {} : { search }),
            ...(statuses === undefined ? {} : { statuses }),
            ...(collectionId === undefined ? {} : { collectionId }),
            sort,
            order,
            page,
            pageSize: paging.pageSize,
          },
          now,
        );
        const items = await pMap(result.items, async (item) => mappingView(item.mapping, item.state, now, await sourceOf(item.mapping)), {
          concurrency: SOURCE_READS_IN_FLIGHT,
        });
        const more = page * paging.pageSize < result.total;
        return conditionalJson(request, {
          items,
          total: result.total,
          page,
          pageSize: paging.pageSize,
          continuationToken: more ? `p${page + 1}` : null,
          statusCounts: result.statusCounts,
        });
      },
    },
    {
      method: "POST",
      pattern: "/mappings",
      access: "write",
      async handle({ request, principal }) {
        const input = await readJsonBody(request, createMappingSchema);
        const created = await service.create(input, principal.name);
        deps.fleet.noteMapping(created);
        await recordAudit(deps, mappingAudit("mapping.create", principalActor(principal), created, null, settingsOf(created)));
        return json(201, mappingView(created, initialState(mappingKeyOf(created)), deps.clock.now(), await sourceOf(created)), {
          location: mappingLocation(created),
          etag: created.etag,
        });
      },
    },
    {
      method: "GET",
      pattern: "/mappings/:collectionId/:groupId",
      access: "read",
      async handle({ request, params }) {
        const mapping = await service.get(mappingRefFrom(params));
        return conditionalJson(request, await withState(mapping), mapping.etag);
      },
    },
    {
      method: "PATCH",
      pattern: "/mappings/:collectionId/:groupId",
      access: "write",
      async handle({ request, params, principal }) {
        const ref = mappingRefFrom(params);
        const before = await service.get(ref);
        const expectedEtag = ifMatchOf(ifMatchFrom(request.headers), before.etag);
        const changes = await readJsonBody(request, updateMappingSchema);
        const updated = await service.update(ref, changes, { expectedEtag, by: principal.name });
        deps.fleet.noteMapping(updated);
        const diff = changedFields(before, updated, UPDATABLE);
        if (Object.keys(diff.after).length > 0) {
          await recordAudit(deps, mappingAudit("mapping.update", principalActor(principal), updated, diff.before, diff.after));
        }
        return json(200, await withState(updated), { etag: updated.etag });
      },
    },
    {
      method: "DELETE",
      pattern: "/mappings/:collectionId/:groupId",
      access: "write",
      async handle({ request, params, principal }) {
        const ref = mappingRefFrom(params);
        const before = await service.get(ref);
        await service.remove(ref, { expectedEtag: ifMatchOf(ifMatchFrom(request.headers), before.etag), by: principal.name });
        deps.fleet.forget(ref);
        await recordAudit(deps, mappingAudit("mapping.delete", principalActor(principal), before, settingsOf(before), null));
        return { status: 204, headers: {} };
      },
    },
  ];
}

/** What the audit trail keeps of a created or deleted mapping: its settings and names, not its storage fields. */
function settingsOf(mapping: Mapping): Record<string, unknown> {
  const { collectionName, groupName, memberType, tenantId } = mapping;
  return { collectionName, groupName, memberType, tenantId, ...Object.fromEntries(UPDATABLE.map((field) => [field, mapping[field]])) };
}

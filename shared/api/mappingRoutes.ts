import pMap from "p-map";
import { collectionIdSchema, mappingKeyOf } from "../core/ids.js";
import type { Mapping } from "../core/mapping.js";
import { createMappingSchema, updateMappingSchema } from "../mappings/mappingInput.js";
import { createMappingsService } from "../mappings/mappingsService.js";
import { initialState } from "../core/ports/mappingState.js";
import type { ApiDeps } from "./apiTypes.js";
import { ifMatchFrom, mappingRefFrom, optionalQueryParam, pagingFrom } from "./params.js";
import { mappingLocation, mappingView, sourceSummary, type SourceSummary } from "./representations.js";
import { snapshotView } from "../snapshots/mappedCollections.js";
import { readJsonBody } from "./requestInput.js";
import type { MappingView, Page } from "./apiWire.js";
import { json, type Route } from "./route.js";

/** State reads per list page run this many at a time: a 200-item page must not open 200 connections at once. */
const STATE_READS_IN_FLIGHT = 16;

/** CRUD on `/mappings` and `/mappings/{collectionId}/{groupId}`. */
export function mappingRoutes(deps: ApiDeps): Route[] {
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

  const allWithState = (items: readonly Mapping[]) => pMap(items, withState, { concurrency: STATE_READS_IN_FLIGHT });

  return [
    {
      method: "GET",
      pattern: "/mappings",
      access: "read",
      async handle({ request }) {
        const paging = pagingFrom(request.query);
        const collectionId = optionalQueryParam(request.query, "collectionId", collectionIdSchema);
        const page = await service.list({ ...paging, ...(collectionId === undefined ? {} : { collectionId }) });
        const mappings: Page<MappingView> = { items: await allWithState(page.items), continuationToken: page.continuationToken ?? null };
        return json(200, mappings);
      },
    },
    {
      method: "POST",
      pattern: "/mappings",
      access: "write",
      async handle({ request, principal }) {
        const input = await readJsonBody(request, createMappingSchema);
        const created = await service.create(input, principal.name);
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
      async handle({ params }) {
        const mapping = await service.get(mappingRefFrom(params));
        return json(200, await withState(mapping), { etag: mapping.etag });
      },
    },
    {
      method: "PATCH",
      pattern: "/mappings/:collectionId/:groupId",
      access: "write",
      async handle({ request, params, principal }) {
        const ref = mappingRefFrom(params);
        const expectedEtag = ifMatchFrom(request.headers);
        const changes = await readJsonBody(request, updateMappingSchema);
        const updated = await service.update(ref, changes, { expectedEtag, by: principal.name });
        return json(200, await withState(updated), { etag: updated.etag });
      },
    },
    {
      method: "DELETE",
      pattern: "/mappings/:collectionId/:groupId",
      access: "write",
      async handle({ request, params, principal }) {
        const ref = mappingRefFrom(params);
        await service.remove(ref, { expectedEtag: ifMatchFrom(request.headers), by: principal.name });
        return { status: 204, headers: {} };
      },
    },
  ];
}

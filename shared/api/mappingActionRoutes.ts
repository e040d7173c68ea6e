import { z } from "zod";
import { NotFoundError } from "../errors.js";
import { mappingKeyOf } from "../core/ids.js";
import { createMappingsService } from "../mappings/mappingsService.js";
import { newSyncJob } from "../core/syncJob.js";
import type { MemberOutcome, SyncRun } from "../core/syncRun.js";
import type { ApiDeps } from "./apiTypes.js";
import { createMappingSchema } from "../mappings/mappingInput.js";
import { mappingRefFrom, optionalQueryParam, pagingFrom } from "./params.js";
import { readJsonBody } from "./requestInput.js";
import { ApiProblem } from "./problems.js";
import { mappingLocation, stateSummary } from "./representations.js";
import type { Page } from "./apiWire.js";
import { json, type Route } from "./route.js";

const DEFAULT_PREVIEW_LIMIT = 1000;
const OUTCOME_ORDER: Record<MemberOutcome, number> = { removed: 0, added: 1, failed: 2, skipped: 3 };
const previewLimitSchema = z.coerce.number().int("must be a whole number from 0 to 10000").min(0).max(10_000);

/** A dry run's lists can hold a whole collection; the counts are exact, the lists are cut at `limit`. */
function previewView(run: SyncRun, limit: number): Record<string, unknown> {
  const preview = run.preview ?? { toAdd: [], toRemove: [], skipped: [] };
  return {
    status: run.status,
    message: run.message,
    blockedBy: run.blockedBy,
    counts: run.counts,
    preview: {
      toAddCount: preview.toAdd.length,
      toRemoveCount: preview.toRemove.length,
      skippedCount: preview.skipped.length,
      toAdd: preview.toAdd.slice(0, limit),
      toRemove: preview.toRemove.slice(0, limit),
      skipped: preview.skipped.slice(0, limit),
      /** Named rows (outcome, reason, ResourceID, name, Entra id, object id), adds and removals first. */
      members: [...(preview.members ?? [])].sort((a, b) => OUTCOME_ORDER[a.outcome] - OUTCOME_ORDER[b.outcome]).slice(0, limit),
      truncated: Math.max(preview.toAdd.length, preview.toRemove.length, preview.skipped.length, preview.members?.length ?? 0) > limit,
    },
  };
}

/** Run history, dry run, sync-now and approval of a blocked change, under `/mappings/{c}/{g}/…`. */
export function mappingActionRoutes(deps: ApiDeps): Route[] {
  const service = createMappingsService(deps);

  return [
    {
      // A dry run of a mapping before it exists: the same checks as creating it, then exactly what a first
      // sync would do. Nothing is stored; POST only because the draft is a body.
      method: "POST",
      pattern: "/mappings/preview",
      access: "read",
      async handle({ request, principal }) {
        const input = await readJsonBody(request, createMappingSchema);
        const limit = optionalQueryParam(request.query, "limit", previewLimitSchema) ?? DEFAULT_PREVIEW_LIMIT;
        const draft = await service.draft(input, principal.name);
        const run = await deps.sync({ collectionId: draft.collectionId, groupId: draft.groupId, trigger: "manual", dryRun: true, draft });
        if (run.status === "failed") throw new ApiProblem(502, "preview-failed", run.message);
        return json(200, previewView(run, limit));
      },
    },
    {
      method: "GET",
      pattern: "/mappings/:collectionId/:groupId/runs",
      access: "read",
      async handle({ request, params }) {
        const ref = mappingRefFrom(params);
        const paging = pagingFrom(request.query, 20);
        await service.get(ref);
        const page = await deps.runs.list(mappingKeyOf(ref), paging);
        const runs: Page<SyncRun> = { items: page.items, continuationToken: page.continuationToken ?? null };
        return json(200, runs);
      },
    },
    {
      method: "GET",
      pattern: "/mappings/:collectionId/:groupId/preview",
      access: "read",
      async handle({ request, params }) {
        const ref = mappingRefFrom(params);
        const limit = optionalQueryParam(request.query, "limit", previewLimitSchema) ?? DEFAULT_PREVIEW_LIMIT;
        await service.get(ref);
        // dryRun reads both sides and writes nothing, not even a run record (syncMapping's contract).
        const run = await deps.sync({ ...ref, trigger: "manual", dryRun: true });
        if (run.status === "failed") throw new ApiProblem(502, "preview-failed", run.message);
        return json(200, previewView(run, limit));
      },
    },
    {
      method: "POST",
      pattern: "/mappings/:collectionId/:groupId/sync",
      access: "write",
      async handle({ params, principal }) {
        const ref = mappingRefFrom(params);
        const mapping = await service.get(ref);
        if (!mapping.enabled) {
          throw new ApiProblem(409, "mapping-disabled", "The mapping is disabled; enable it (PATCH enabled: true) before syncing it.");
        }
        const now = deps.clock.now();
        const mappingKey = mappingKeyOf(ref);
        // The job id doubles as the Service Bus messageId: a double click in the same millisecond is sent once.
        const job = newSyncJob(ref, { trigger: "manual", at: now }, new Date(now).toISOString());
        await deps.queue.send([job]);
        deps.log.info("manual sync queued", { mappingKey, jobId: job.jobId, by: principal.name });
        const runs = `${mappingLocation(mapping)}/runs`;
        return json(202, { jobId: job.jobId, status: "queued", runs }, { location: runs });
      },
    },
    {
      method: "POST",
      pattern: "/mappings/:collectionId/:groupId/approve",
      access: "write",
      async handle({ params, principal }) {
        const ref = mappingRefFrom(params);
        await service.get(ref);
        // approve() logs who approved which change (README "Safety guards"); the approval is also kept on the state.
        let state;
        try {
          state = await deps.approve(ref, principal.name);
        } catch (error) {
          if (error instanceof NotFoundError) {
            throw new ApiProblem(409, "nothing-to-approve", "No change of this mapping is blocked, so there is nothing to approve.");
          }
          throw error;
        }
        return json(200, { approvedBy: principal.name, approval: state.approval, state: stateSummary(state, deps.clock.now()) });
      },
    },
  ];
}

import { z } from "zod";
import { recordAudit } from "../audit/auditTrail.js";
import { NotFoundError } from "../errors.js";
import type { FleetIndex } from "../mappings/fleetIndex.js";
import { mappingKeyOf, type MappingRef } from "../core/ids.js";
import type { Mapping } from "../core/mapping.js";
import { createMappingSchema } from "../mappings/mappingInput.js";
import { createMappingsService } from "../mappings/mappingsService.js";
import { newSyncJob } from "../core/syncJob.js";
import type { MappingState } from "../core/ports/mappingState.js";
import type { SyncRun } from "../core/syncRun.js";
import type { ApiDeps } from "./apiTypes.js";
import { mappingAudit, principalActor } from "./auditRecords.js";
import { GUARD_LABELS, labelOf } from "../core/labels.js";
import { byDecisionOrder, memberView } from "./memberViews.js";
import { mappingRefFrom, optionalQueryParam, pagingFrom } from "./params.js";
import { ApiProblem } from "./problems.js";
import { blockedView, mappingLocation, runView, stateSummary } from "./representations.js";
import { readJsonBody } from "./requestInput.js";
import { json, type Route } from "./route.js";

const DEFAULT_PREVIEW_LIMIT = 1000;
const DEFAULT_BLOCKED_LIMIT = 200;
const previewLimitSchema = z.coerce.number().int("must be a whole number from 0 to 10000").min(0).max(10_000);
const blockedLimitSchema = z.coerce.number().int("must be a whole number from 1 to 1000").min(1).max(1000);
const booleanSchema = z.enum(["true", "false"]).transform((value) => value === "true");

/** Settings a preview may try before they are saved (query parameters; docs/api.md "`GET /mappings/{collectionId}/{groupId}/preview` — dry run"). */
const previewOverrides = {
  mode: z.enum(["additive", "managed", "mirror"]),
  removalThresholdPercent: z.coerce.number().int("must be a whole number from 0 to 100").min(0).max(100),
  removalThresholdCount: z.coerce.number().int("must be a whole number from 0 to 1000000").min(0).max(1_000_000),
  includeHybridJoined: booleanSchema,
};

function withOverrides(mapping: Mapping, query: URLSearchParams): Mapping {
  // A threshold given empty means "the app default", as null does in PATCH.
  const threshold = (name: "removalThresholdPercent" | "removalThresholdCount") =>
    query.has(name) && query.get(name) === "" ? null : (optionalQueryParam(query, name, previewOverrides[name]) ?? mapping[name]);
  return {
    ...mapping,
    mode: optionalQueryParam(query, "mode", previewOverrides.mode) ?? mapping.mode,
    removalThresholdPercent: threshold("removalThresholdPercent"),
    removalThresholdCount: threshold("removalThresholdCount"),
    includeHybridJoined: optionalQueryParam(query, "includeHybridJoined", previewOverrides.includeHybridJoined) ?? mapping.includeHybridJoined,
  };
}

/** A dry run's lists can hold a whole collection; the counts are exact, the lists are cut at `limit`. */
function previewView(run: SyncRun, mapping: Mapping, limit: number): Record<string, unknown> {
  const preview = run.preview ?? { toAdd: [], toRemove: [], skipped: [] };
  const heldBack = run.counts.heldBack ?? 0;
  return {
    status: run.status,
    message: run.message,
    blockedBy: run.blockedBy,
    blockedByLabel: labelOf(GUARD_LABELS, run.blockedBy),
    counts: run.counts,
    settings: {
      mode: mapping.mode,
      removalThresholdPercent: mapping.removalThresholdPercent,
      removalThresholdCount: mapping.removalThresholdCount,
      includeHybridJoined: mapping.includeHybridJoined,
    },
    wouldAdd: preview.toAdd.length,
    wouldRemove: preview.toRemove.length - heldBack,
    heldBack,
    preview: {
      toAddCount: preview.toAdd.length,
      toRemoveCount: preview.toRemove.length,
      skippedCount: preview.skipped.length,
      toAdd: preview.toAdd.slice(0, limit),
      toRemove: preview.toRemove.slice(0, limit),
      skipped: preview.skipped.slice(0, limit),
      /** Named rows (outcome, reason, ResourceID, name, Entra id, object id), removals first. */
      members: byDecisionOrder(preview.members ?? [])
        .slice(0, limit)
        .map(memberView),
      truncated: Math.max(preview.toAdd.length, preview.toRemove.length, preview.skipped.length, preview.members?.length ?? 0) > limit,
    },
  };
}

/** Run history, dry run, sync-now and approval of a blocked change, under `/mappings/{c}/{g}/…`. */
export function mappingActionRoutes(deps: ApiDeps & { readonly fleet: FleetIndex }): Route[] {
  const service = createMappingsService(deps);

  /** The blocked change with its held-back removals, named, as the blocked run recorded them. */
  async function blockedChange(mapping: Mapping, state: MappingState, limit: number): Promise<Record<string, unknown>> {
    const blocked = state.blocked;
    if (blocked === null) throw new ApiProblem(409, "nothing-to-approve", "No change of this mapping is blocked, so there is nothing to approve.");
    const report = blocked.runId === undefined ? null : await deps.runs.report(mappingKeyOf(mapping), blocked.runId);
    const heldBack = (report?.entries ?? []).filter((entry) => entry.outcome === "held-back");
    const group = mapping.groupName ?? mapping.groupId;
    const members = blocked.removeCount === 1 ? "this member" : `these ${blocked.removeCount} members`;
    return {
      blocked: blockedView(blocked),
      total: report === null ? blocked.removeCount : heldBack.length,
      members: heldBack.slice(0, limit).map(memberView),
      approval: state.approval === null ? null : { by: state.approval.by, at: state.approval.at },
      message:
        blocked.removeCount === 0
          ? `Approving lets the next run of ${group} go ahead once despite the ${labelOf(GUARD_LABELS, blocked.guard)?.toLowerCase()} guard.`
          : `Approving lets the next run remove ${members} from ${group} once.`,
    };
  }

  async function mappingAndState(ref: MappingRef): Promise<{ mapping: Mapping; state: MappingState }> {
    const mapping = await service.get(ref);
    return { mapping, state: await deps.state.get(mappingKeyOf(ref)) };
  }

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
        return json(200, previewView(run, draft, limit));
      },
    },
    {
      method: "GET",
      pattern: "/mappings/:collectionId/:groupId/runs",
      access: "read",
      async handle({ request, params }) {
        const ref = mappingRefFrom(params);
        const paging = pagingFrom(request.query, 20);
        const hideUnchanged = optionalQueryParam(request.query, "hideUnchanged", booleanSchema) ?? false;
        await service.get(ref);
        const page = await deps.runs.list(mappingKeyOf(ref), { ...paging, hideUnchanged });
        return json(200, { items: page.items.map(runView), continuationToken: page.continuationToken ?? null });
      },
    },
    {
      method: "GET",
      pattern: "/mappings/:collectionId/:groupId/preview",
      access: "read",
      async handle({ request, params }) {
        const ref = mappingRefFrom(params);
        const limit = optionalQueryParam(request.query, "limit", previewLimitSchema) ?? DEFAULT_PREVIEW_LIMIT;
        const mapping = withOverrides(await service.get(ref), request.query);
        // dryRun reads both sides and writes nothing, not even a run record (syncMapping's contract); the draft
        // carries the settings being tried.
        const run = await deps.sync({ ...ref, trigger: "manual", dryRun: true, draft: mapping });
        if (run.status === "failed") throw new ApiProblem(502, "preview-failed", run.message);
        return json(200, previewView(run, mapping, limit));
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
        await recordAudit(deps, mappingAudit("mapping.sync", principalActor(principal), ref, null, { jobId: job.jobId }, "sync queued"));
        const runs = `${mappingLocation(mapping)}/runs`;
        return json(202, { jobId: job.jobId, status: "queued", runs }, { location: runs });
      },
    },
    {
      method: "GET",
      pattern: "/mappings/:collectionId/:groupId/blocked",
      access: "read",
      async handle({ request, params }) {
        const limit = optionalQueryParam(request.query, "limit", blockedLimitSchema) ?? DEFAULT_BLOCKED_LIMIT;
        const { mapping, state } = await mappingAndState(mappingRefFrom(params));
        return json(200, await blockedChange(mapping, state, limit));
      },
    },
    {
      method: "POST",
      pattern: "/mappings/:collectionId/:groupId/approve",
      access: "write",
      async handle({ params, principal, request }) {
        const ref = mappingRefFrom(params);
        const limit = optionalQueryParam(request.query, "limit", blockedLimitSchema) ?? DEFAULT_BLOCKED_LIMIT;
        const mapping = await service.get(ref);
        // approve() logs who approved which change (README "Safety guards"); the approval is also kept on the state.
        let state: MappingState;
        try {
          state = await deps.approve(ref, principal.name);
        } catch (error) {
          if (error instanceof NotFoundError) {
            throw new ApiProblem(409, "nothing-to-approve", "No change of this mapping is blocked, so there is nothing to approve.");
          }
          throw error;
        }
        deps.fleet.noteState(state);
        const blocked = state.blocked;
        const view = await blockedChange(mapping, state, limit);
        await recordAudit(
          deps,
          mappingAudit(
            "mapping.approve",
            principalActor(principal),
            ref,
            blocked === null ? null : { guard: blocked.guard, removeCount: blocked.removeCount, runId: blocked.runId ?? null },
            state.approval === null ? null : { by: state.approval.by, at: state.approval.at },
            blocked === null ? "approved" : `approved ${blocked.removeCount} removal(s) held back by ${blocked.guard}`,
          ),
        );
        return json(200, { ...view, approval: state.approval, approvedBy: principal.name, state: stateSummary(mapping, state, deps.clock.now()) });
      },
    },
  ];
}

import { z } from "zod";
import { mappingKeyOf } from "../core/ids.js";
import { createMappingsService } from "../mappings/mappingsService.js";
import { membersCsv } from "../reports/memberCsv.js";
import { countOutcomes, MEMBER_OUTCOMES, type MemberReportEntry } from "../core/syncRun.js";
import type { ApiDeps } from "./apiTypes.js";
import type { ApiResponse } from "./apiMessages.js";
import { mappingRefFrom, optionalQueryParam } from "./params.js";
import { ApiProblem } from "./problems.js";
import { parseParam } from "./requestInput.js";
import type { RunDetailView, RunMembersView } from "./apiWire.js";
import { json, type Route, type RouteContext } from "./route.js";

/** Run ids are UUIDs we generate; anything else cannot name a run. */
const runIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "must be a run id from the run history");
const outcomeSchema = z.enum(MEMBER_OUTCOMES as [string, ...string[]]);
const pageSchema = z.coerce.number().int("must be a whole number from 1").min(1).max(1_000_000);
const pageSizeSchema = z.coerce.number().int("must be a whole number from 1 to 1000").min(1).max(1000);
const searchSchema = z.string().trim().max(200, "must be at most 200 characters");
const formatSchema = z.enum(["json", "csv"]);

/** One run and its per-member report: `/mappings/{c}/{g}/runs/{runId}` and `…/members`. */
export function runReportRoutes(deps: ApiDeps): Route[] {
  const service = createMappingsService(deps);

  async function findRun({ params }: RouteContext) {
    const ref = mappingRefFrom(params);
    const runId = parseParam("path", "runId", params.runId, runIdSchema);
    await service.get(ref);
    const run = await deps.runs.get(mappingKeyOf(ref), runId);
    if (run === null) throw new ApiProblem(404, "not-found", `No run ${runId} in this mapping's history (runs are kept for RUN_RETENTION_DAYS).`);
    return { ref, run };
  }

  return [
    {
      method: "GET",
      pattern: "/mappings/:collectionId/:groupId/runs/:runId",
      access: "read",
      async handle(context) {
        const { ref, run } = await findRun(context);
        const report = await deps.runs.report(mappingKeyOf(ref), run.runId);
        const detail: RunDetailView = { ...run, report: report === null ? null : { counts: countOutcomes(report.entries), truncated: report.truncated } };
        return json(200, detail);
      },
    },
    {
      method: "GET",
      pattern: "/mappings/:collectionId/:groupId/runs/:runId/members",
      access: "read",
      async handle(context) {
        const { query } = context.request;
        const outcome = optionalQueryParam(query, "outcome", outcomeSchema);
        const search = optionalQueryParam(query, "search", searchSchema)?.toLowerCase();
        const format = optionalQueryParam(query, "format", formatSchema) ?? "json";
        const page = optionalQueryParam(query, "page", pageSchema) ?? 1;
        const pageSize = optionalQueryParam(query, "pageSize", pageSizeSchema) ?? 100;
        const { ref, run } = await findRun(context);
        const report = await deps.runs.report(mappingKeyOf(ref), run.runId);
        const entries = (report?.entries ?? []).filter((entry) => (outcome === undefined || entry.outcome === outcome) && matches(entry, search));
        if (format === "csv") return csv(entries, `run-${run.startedAt.slice(0, 10)}-${run.runId}${outcome === undefined ? "" : `-${outcome}`}.csv`);
        const members: RunMembersView = {
          runId: run.runId,
          status: run.status,
          alreadyPresent: run.counts.alreadyPresent,
          reported: report !== null,
          truncated: report?.truncated ?? 0,
          total: entries.length,
          page,
          pageSize,
          items: entries.slice((page - 1) * pageSize, page * pageSize),
        };
        return json(200, members);
      },
    },
  ];
}

function matches(entry: MemberReportEntry, search: string | undefined): boolean {
  if (search === undefined || search === "") return true;
  return [entry.name, entry.entraId, entry.objectId, entry.resourceId === null ? null : String(entry.resourceId), entry.reason, entry.error].some(
    (value) => value !== null && value.toLowerCase().includes(search),
  );
}

function csv(entries: readonly MemberReportEntry[], filename: string): ApiResponse {
  return {
    status: 200,
    headers: { "content-type": "text/csv; charset=utf-8; header=present", "content-disposition": `attachment; filename="${filename}"` },
    textBody: membersCsv(entries),
  };
}

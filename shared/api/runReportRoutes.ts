import { z } from "zod";
import { mappingKeyOf } from "../core/ids.js";
import { createMappingsService } from "../mappings/mappingsService.js";
import { memberCsvBytes } from "../reports/memberCsv.js";
import { createMemoCache, createReportCache } from "../reports/reportCache.js";
import { countOutcomes, MEMBER_OUTCOMES, type MemberReportEntry } from "../core/syncRun.js";
import type { StoredReport } from "../core/ports/runStore.js";
import type { ApiDeps } from "./apiTypes.js";
import type { ApiResponse } from "./apiMessages.js";
import { memberMatches, memberView } from "./memberViews.js";
import { mappingRefFrom, optionalQueryParam } from "./params.js";
import { ApiProblem } from "./problems.js";
import { runView } from "./representations.js";
import { parseParam } from "./requestInput.js";
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
  const reports = createReportCache();
  // Encoded CSVs by report and filter: a hundred downloads of one report cost one encoding and share its bytes.
  const csvFiles = createMemoCache<Buffer[]>((chunks) => chunks.reduce((sum, chunk) => sum + chunk.length, 0), { maxBytes: 64 * 1024 * 1024 });

  async function findRun({ params }: RouteContext) {
    const ref = mappingRefFrom(params);
    const runId = parseParam("path", "runId", params.runId, runIdSchema);
    const mapping = await service.get(ref);
    const run = await deps.runs.get(mappingKeyOf(ref), runId);
    if (run === null) throw new ApiProblem(404, "not-found", `No run ${runId} in this mapping's history (runs are kept for RUN_RETENTION_DAYS).`);
    return { mapping, run };
  }

  /** A recorded report never changes: decoded once, then served from memory (bounded, see reportCache.ts). */
  function reportOf(mappingKey: string, runId: string): Promise<StoredReport | null> {
    return reports.get(`${mappingKey}/${runId}`, () => deps.runs.report(mappingKey, runId));
  }

  return [
    {
      method: "GET",
      pattern: "/mappings/:collectionId/:groupId/runs/:runId",
      access: "read",
      async handle(context) {
        const { mapping, run } = await findRun(context);
        const report = await reportOf(mappingKeyOf(mapping), run.runId);
        const reportSummary = report === null ? null : { counts: countOutcomes(report.entries), truncated: report.truncated };
        const { collectionId, collectionName, groupId, groupName, memberType, mode } = mapping;
        return json(200, { ...runView(run), mapping: { collectionId, collectionName, groupId, groupName, memberType, mode }, report: reportSummary });
      },
    },
    {
      method: "GET",
      pattern: "/mappings/:collectionId/:groupId/runs/:runId/members",
      access: "read",
      async handle(context) {
        const { query } = context.request;
        const outcome = optionalQueryParam(query, "outcome", outcomeSchema);
        const search = optionalQueryParam(query, "search", searchSchema);
        const format = optionalQueryParam(query, "format", formatSchema) ?? "json";
        const page = optionalQueryParam(query, "page", pageSchema) ?? 1;
        const pageSize = optionalQueryParam(query, "pageSize", pageSizeSchema) ?? 100;
        const { mapping, run } = await findRun(context);
        const report = await reportOf(mappingKeyOf(mapping), run.runId);
        const wanted = (entry: MemberReportEntry) => (outcome === undefined || entry.outcome === outcome) && memberMatches(entry, search);
        const entries = report?.entries ?? [];
        if (format === "csv") {
          const filename = `run-${run.startedAt.slice(0, 10)}-${run.runId}${outcome === undefined ? "" : `-${outcome}`}.csv`;
          const key = JSON.stringify([mappingKeyOf(mapping), run.runId, outcome ?? null, search ?? ""]);
          const chunks = await csvFiles.get(key, () => memberCsvBytes(outcome === undefined && (search ?? "") === "" ? entries : entries.filter(wanted)));
          return csv(chunks ?? [], filename);
        }
        const matching = entries.filter(wanted);
        return json(200, {
          runId: run.runId,
          status: run.status,
          alreadyPresent: run.counts.alreadyPresent,
          reported: report !== null,
          truncated: report?.truncated ?? 0,
          total: matching.length,
          page,
          pageSize,
          items: matching.slice((page - 1) * pageSize, page * pageSize).map(memberView),
        });
      },
    },
  ];
}

function csv(chunks: readonly Buffer[], filename: string): ApiResponse {
  return {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8; header=present",
      "content-disposition": `attachment; filename="${filename}"`,
      "content-length": String(chunks.reduce((sum, chunk) => sum + chunk.length, 0)),
    },
    async *streamBody() {
      yield* chunks;
    },
  };
}

import { z } from "zod";
import { ValidationError } from "../errors.js";
import type { RunCounts, RunError, RunPreview, SkippedMember, SyncRun } from "../core/syncRun.js";
import { absentAsNull, epochMs, isObject, isString, jsonProperty, parseEntity, withoutNulls, written } from "./entityValues.js";
import { assertTableKey } from "./tableKeys.js";

/**
 * How one SyncRun becomes one `runs` entity and back. Limits (docs/service-facts.md "Table Storage"): a property ≤ 64 KiB
 * (strings are UTF-16, so ≤ 32,768 characters), an entity ≤ 1 MiB and ≤ 252 properties. Structured parts are
 * JSON strings; the preview, which can list thousands of ids, is cut to a budget and split across properties.
 */
const PROPERTY_CHARS = 30_000;
const PREVIEW_LIST_LIMIT = 1_000;
/** ≈ 600 KB of UTF-16: leaves room for everything else below the 1 MiB entity limit. */
const PREVIEW_BUDGET_CHARS = 300_000;
const MESSAGE_CHARS = 8_000;
const ERROR_MESSAGE_CHARS = 1_000;

/** How many entries of each preview list were not stored. */
export interface PreviewTruncation {
  readonly toAdd: number;
  readonly toRemove: number;
  readonly skipped: number;
}

/** A preview read back from storage says what it lost, so nobody mistakes a cut list for the whole change. */
export type StoredRunPreview = RunPreview & { readonly truncated?: PreviewTruncation };

/** Newest first: RowKeys sort ascending, so the key is the time left until the largest Date, zero-padded. */
const MAX_EPOCH_MS = 8_640_000_000_000_000;

export function runRowKey(run: Pick<SyncRun, "startedAt" | "runId">): string {
  const started = Date.parse(run.startedAt);
  if (Number.isNaN(started)) throw new ValidationError(`run startedAt is not a date: "${run.startedAt}"`);
  const runId = assertTableKey(run.runId, "runId");
  return `${invertedTime(started)}_${runId}`;
}

/** The time part of run RowKeys: runs started before `epochMs` have RowKeys that sort after it. */
export function invertedTime(epochMs: number): string {
  return String(MAX_EPOCH_MS - epochMs).padStart(16, "0");
}

export function runToEntity(run: SyncRun): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const { counts, errors, preview, message, ...scalars } = run;
  return {
    ...withoutNulls(scalars),
    partitionKey: assertTableKey(run.mappingKey, "mappingKey"),
    rowKey: runRowKey(run),
    startedAtMs: epochMs(Date.parse(run.startedAt)),
    message: cut(message, MESSAGE_CHARS),
    counts: JSON.stringify(counts),
    errors: JSON.stringify(fitErrors(errors)),
    ...(preview === null ? {} : previewProperties(preview)),
  };
}

/** Keeps the first errors that fit one property; says how many more there were in a last entry. */
function fitErrors(errors: readonly RunError[]): RunError[] {
  const kept: RunError[] = [];
  let size = 2;
  for (const error of errors) {
    const entry: RunError = { ...error, message: cut(error.message, ERROR_MESSAGE_CHARS) };
    const entrySize = JSON.stringify(entry).length + 1;
    if (size + entrySize > PROPERTY_CHARS - 200) break;
    kept.push(entry);
    size += entrySize;
  }
  const omitted = errors.length - kept.length;
  if (omitted > 0) kept.push({ code: "errors-truncated", message: `${omitted} more error(s) were not stored` });
  return kept;
}

function previewProperties(preview: RunPreview): Record<string, unknown> {
  let limit = PREVIEW_LIST_LIMIT;
  for (;;) {
    const kept: RunPreview = {
      toAdd: preview.toAdd.slice(0, limit),
      toRemove: preview.toRemove.slice(0, limit),
      skipped: preview.skipped.slice(0, limit),
    };
    const json = JSON.stringify(kept);
    if (json.length <= PREVIEW_BUDGET_CHARS || limit === 0) {
      const truncated: PreviewTruncation = {
        toAdd: preview.toAdd.length - kept.toAdd.length,
        toRemove: preview.toRemove.length - kept.toRemove.length,
        skipped: preview.skipped.length - kept.skipped.length,
      };
      const chunks = splitText(json, PROPERTY_CHARS);
      return {
        previewChunks: chunks.length,
        ...Object.fromEntries(chunks.map((text, i) => [`preview${i}`, text])),
        ...(truncated.toAdd + truncated.toRemove + truncated.skipped > 0 ? { previewTruncated: JSON.stringify(truncated) } : {}),
      };
    }
    limit = Math.floor(limit / 2);
  }
}

/** Splits text into pieces of at most `size` characters without cutting a surrogate pair in two. */
function splitText(text: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/** Cuts text to `max` characters (ending in "…") without splitting a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = isHighSurrogate(text.charCodeAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

const runEntitySchema = z.object({
  partitionKey: z.string(),
  runId: z.string(),
  collectionId: z.string(),
  groupId: z.string(),
  tenantId: absentAsNull(z.string()),
  mode: z.string(),
  trigger: written<SyncRun["trigger"]>(isString),
  status: written<SyncRun["status"]>(isString),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  graphRequests: z.number(),
  adminServiceRequests: z.number(),
  throttledWaitMs: z.number(),
  blockedBy: absentAsNull(written<NonNullable<SyncRun["blockedBy"]>>(isString)),
  message: z.string(),
  retryAfterMs: absentAsNull(z.number()),
  counts: jsonProperty(written<RunCounts>(isObject)),
  errors: jsonProperty(z.array(z.object({ id: z.string().optional(), code: z.string(), message: z.string() }))),
  previewChunks: z.number().optional(),
  previewTruncated: jsonProperty(z.object({ toAdd: z.number(), toRemove: z.number(), skipped: z.number() })).optional(),
});

const previewSchema = z.object({
  toAdd: z.array(z.string()),
  toRemove: z.array(z.string()),
  skipped: z.array(written<SkippedMember>(isObject)),
});

export function runFromEntity(entity: Record<string, unknown>): SyncRun {
  const { partitionKey, previewChunks, previewTruncated, errors, ...rest } = parseEntity(runEntitySchema, "runs", entity);
  const run: SyncRun = {
    ...rest,
    mappingKey: partitionKey,
    errors: errors.map((e) => (e.id === undefined ? { code: e.code, message: e.message } : { id: e.id, code: e.code, message: e.message })),
    preview: previewChunks === undefined ? null : readPreview(entity, previewChunks, previewTruncated),
  };
  return run;
}

function readPreview(entity: Record<string, unknown>, chunks: number, truncated: PreviewTruncation | undefined): StoredRunPreview {
  const text = Array.from({ length: chunks }, (_, i) => entity[`preview${i}`]).join("");
  const preview = parseEntity(z.object({ preview: jsonProperty(previewSchema) }), "runs", { ...entity, preview: text }).preview;
  return truncated === undefined ? preview : { ...preview, truncated };
}

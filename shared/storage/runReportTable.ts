import { odata, type TableClient } from "@azure/data-tables";
import pMap from "p-map";
import type { StoredReport } from "../core/ports/runStore.js";
import { emptyCounts, MEMBER_OUTCOMES, type MemberReportEntry, type SkipReason } from "../core/syncRun.js";
import { ByteReader, ByteWriter, ENTITY_BYTES, entitySized, fromProperties, PackingError, toProperties } from "./packing.js";
import { deleteAllRows } from "./tableBatches.js";
import { PACKED_PAGE_SIZE, readAllEntities } from "./tablePaging.js";
import { cut } from "./runEntity.js";
import { SLICE, yieldToLoop } from "../eventLoop.js";

/**
 * Per-member run reports (table `runReports`, PartitionKey mappingKey, RowKey `<run RowKey>-<piece>`): the
 * entries packed (GUIDs in 16 bytes, outcome and reason in one byte each, ≈ 70 bytes per member), ≤ 600,000
 * bytes per row, so a 100,000-member first sync stores its report in about a dozen rows. A report is bounded
 * at MAX_PIECES rows (the run already lists at most REPORT_MAX_ENTRIES members, which fit unless names and
 * errors are long); what does not fit is counted as `truncated`, never silently dropped from the count.
 * Report RowKeys start with their run's RowKey, so one key range removes runs and reports alike.
 */
const MAX_PIECES = 64;
/** A Graph error message is cut to this many characters (the run's first errors keep the rest). */
const ERROR_CHARS = 1_000;
const NAME_CHARS = 1_000;
const ROWS_IN_FLIGHT = 8;
const SKIP_REASONS = Object.keys(emptyCounts().skipped) as SkipReason[];
const FORMAT_VERSION = 1;

export function reportRowKey(runRowKey: string, piece: number): string {
  return `${runRowKey}-${String(piece).padStart(4, "0")}`;
}

export async function writeReport(client: TableClient, partitionKey: string, runRowKey: string, report: StoredReport): Promise<void> {
  const { data, stored } = await encodeReport(report.entries, MAX_PIECES * ENTITY_BYTES);
  const pieces = entitySized(data);
  // Left out by the run (past REPORT_MAX_ENTRIES) or here (past 64 rows: long names and errors).
  const truncated = report.truncated + report.entries.length - stored;
  await pMap(
    pieces.length === 0 ? [Buffer.alloc(0)] : pieces,
    (piece, index) =>
      client.upsertEntity(
        {
          partitionKey,
          rowKey: reportRowKey(runRowKey, index),
          version: FORMAT_VERSION,
          pieces: Math.max(1, pieces.length),
          entries: stored,
          truncated,
          ...toProperties(piece),
        },
        "Replace",
      ),
    { concurrency: ROWS_IN_FLIGHT },
  );
}

/** The stored report of one run; null when there is none (an old run, or pieces missing or damaged). */
export async function readReport(client: TableClient, partitionKey: string, runRowKey: string): Promise<StoredReport | null> {
  const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${`${runRowKey}-`} and RowKey lt ${`${runRowKey}.`}`;
  const rows: { rowKey: string; entity: Record<string, unknown>; data: Buffer | null }[] = [];
  for await (const entity of readAllEntities<Record<string, unknown>>(client, { filter }, PACKED_PAGE_SIZE)) {
    rows.push({ rowKey: entity.rowKey ?? "", entity, data: fromProperties(entity) });
  }
  if (rows.length === 0) return null;
  rows.sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
  const first = rows[0]?.entity ?? {};
  const expected = first["entries"];
  if (rows.some((row) => row.data === null || row.entity["pieces"] !== rows.length || row.entity["version"] !== FORMAT_VERSION)) return null;
  try {
    const entries = decodeReport(Buffer.concat(rows.map((row) => row.data as Buffer)));
    if (entries.length !== expected) return null;
    const truncated = first["truncated"];
    return { entries, truncated: typeof truncated === "number" ? truncated : 0 };
  } catch (error) {
    if (error instanceof PackingError) return null;
    throw error;
  }
}

/** Deletes the reports of the given runs (by run RowKey), or of every run whose RowKey sorts after `after`. */
export async function deleteReports(client: TableClient, partitionKey: string, range: { readonly after: string } | { readonly all: true }): Promise<void> {
  const filter = "after" in range ? odata`PartitionKey eq ${partitionKey} and RowKey gt ${range.after}` : odata`PartitionKey eq ${partitionKey}`;
  const rowKeys: string[] = [];
  for await (const entity of readAllEntities(client, { filter, select: ["RowKey"] })) if (entity.rowKey !== undefined) rowKeys.push(entity.rowKey);
  await deleteAllRows(client, partitionKey, rowKeys);
}

/** A 1,000,000-member first sync's report takes seconds to pack: the event loop gets a turn every slice. */
async function encodeReport(entries: readonly MemberReportEntry[], maxBytes: number): Promise<{ data: Buffer; stored: number }> {
  const writer = new ByteWriter();
  let stored = 0;
  for (const entry of entries) {
    if (stored > 0 && stored % SLICE === 0) await yieldToLoop();
    const before = writer.size;
    writer.byte(MEMBER_OUTCOMES.indexOf(entry.outcome));
    writer.item(entry.reason, SKIP_REASONS);
    writer.item(entry.resourceId === null ? null : String(entry.resourceId));
    writer.item(cutOrNull(entry.name, NAME_CHARS));
    writer.item(cutOrNull(entry.entraId, NAME_CHARS));
    writer.item(entry.objectId);
    writer.item(cutOrNull(entry.error, ERROR_CHARS));
    if (writer.size > maxBytes) {
      writer.truncate(before);
      break;
    }
    stored += 1;
  }
  return { data: writer.finish(), stored };
}

function decodeReport(data: Uint8Array): MemberReportEntry[] {
  const reader = new ByteReader(data);
  const entries: MemberReportEntry[] = [];
  while (!reader.done) {
    const outcome = MEMBER_OUTCOMES[reader.byte()];
    if (outcome === undefined) throw new PackingError("holds an unknown outcome");
    const reason = reader.item(SKIP_REASONS) as SkipReason | null;
    const resourceId = reader.item();
    entries.push({
      outcome,
      reason,
      resourceId: resourceId === null ? null : Number(resourceId),
      name: reader.item(),
      entraId: reader.item(),
      objectId: reader.item(),
      error: reader.item(),
    });
  }
  return entries;
}

function cutOrNull(text: string | null, max: number): string | null {
  return text === null ? null : cut(text, max);
}

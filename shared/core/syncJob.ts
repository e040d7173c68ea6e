import { z } from "zod";
import { collectionIdSchema, guidSchema, mappingKeyOf, type MappingRef } from "./ids.js";
import type { RunTrigger } from "./syncRun.js";

/** One queued sync of one mapping. Ids only, never membership (docs/queue.md). */
export interface SyncJob {
  readonly jobId: string;
  readonly collectionId: string;
  readonly groupId: string;
  readonly trigger: RunTrigger;
  readonly enqueuedAt: string;
  /** How many times this job was re-scheduled after throttling. */
  readonly attempt: number;
}

/** Service Bus caps `messageId` at 128 characters (docs/service-facts.md "Service Bus"); our ids stay well below. */
export const MAX_JOB_ID_LENGTH = 128;

/**
 * What caused a job, which decides its id. The id doubles as the Service Bus `messageId`, so duplicate detection
 * drops a second send of the same job (docs/queue.md): the scheduler's tick, a manual request's millisecond, or
 * the committed snapshot always give the same id for the same mapping.
 */
export type JobCause =
  | { readonly trigger: "schedule"; readonly tick: Date }
  | { readonly trigger: "manual"; readonly at: number }
  | { readonly trigger: "snapshot"; readonly snapshotId: string };

/** The one way a job is made, by every producer (scheduler, API, snapshot commit; retries by retryJob). */
export function newSyncJob(ref: MappingRef, cause: JobCause, enqueuedAt: string): SyncJob {
  return { jobId: jobIdFor(mappingKeyOf(ref), cause), collectionId: ref.collectionId, groupId: ref.groupId, trigger: cause.trigger, enqueuedAt, attempt: 0 };
}

function jobIdFor(mappingKey: string, cause: JobCause): string {
  switch (cause.trigger) {
    case "schedule":
      return scheduledJobId(mappingKey, cause.tick);
    case "manual":
      return `${mappingKey}_manual_${cause.at}`;
    case "snapshot":
      return `${mappingKey}_snapshot_${cause.snapshotId}`;
  }
}

/** `${mappingKey}_${yyyyMMddHHmm}` (UTC): the same mapping and minute always give the same id. */
export function scheduledJobId(mappingKey: string, tick: Date): string {
  const minute = tick.toISOString().slice(0, 16).replace(/[-T:]/g, "");
  return `${mappingKey}_${minute}`;
}

/**
 * The follow-up of a throttled job. Its id is derived from the job's (`…_r1`, `…_r2`), so if the host
 * delivers this message twice, the second schedule carries the same id and duplicate detection drops it.
 */
export function retryJob(job: SyncJob, enqueuedAt: string): SyncJob {
  const attempt = job.attempt + 1;
  const suffix = `_r${attempt}`;
  const base = job.jobId.replace(/_r\d+$/, "").slice(0, MAX_JOB_ID_LENGTH - suffix.length);
  return { ...job, jobId: `${base}${suffix}`, trigger: "retry", enqueuedAt, attempt };
}

/**
 * The wire format of a job message: the job's ids and bookkeeping, never membership (docs/queue.md).
 * Parsed at the edge so a malformed message is recognised once and never retried.
 */
export const syncJobSchema = z.object({
  jobId: z.string().min(1).max(MAX_JOB_ID_LENGTH),
  collectionId: collectionIdSchema,
  groupId: guidSchema,
  trigger: z.enum(["schedule", "manual", "cli", "retry", "snapshot"]),
  enqueuedAt: z.iso.datetime(),
  attempt: z.number().int().min(0).default(0),
});

export type SyncJobMessageResult = { ok: true; job: SyncJob } | { ok: false; issues: string[] };

/**
 * Reads a job from what a transport hands over: the object itself (in-process queue, or the Functions host
 * after it parsed the JSON body), a JSON string, or the raw bytes. The Service Bus SDK JSON-encodes an object
 * body into a data section, so every sender's messages arrive as one of these.
 */
export function parseSyncJobMessage(message: unknown): SyncJobMessageResult {
  let value: unknown = message;
  if (message instanceof Uint8Array) value = Buffer.from(message).toString("utf8");
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, issues: ["message body is not JSON"] };
    }
  }
  const result = syncJobSchema.safeParse(value);
  if (!result.success) {
    return { ok: false, issues: result.error.issues.map((issue) => `${issue.path.join(".") || "message"}: ${issue.message}`) };
  }
  return { ok: true, job: result.data };
}

/** Only the job's own fields, so nothing else a caller attached can ride along into a message. */
export function jobBody(job: SyncJob): SyncJob {
  return {
    jobId: job.jobId,
    collectionId: job.collectionId,
    groupId: job.groupId,
    trigger: job.trigger,
    enqueuedAt: job.enqueuedAt,
    attempt: job.attempt,
  };
}

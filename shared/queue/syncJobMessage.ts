import { z } from "zod";
import { collectionIdSchema, guidSchema } from "../mappings/ids.js";
import type { SyncJob } from "./jobQueue.js";

/** Service Bus caps `messageId` at 128 characters (docs/service-facts.md "Service Bus and the Functions host"); our ids stay well below. */
export const MAX_JOB_ID_LENGTH = 128;

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

/**
 * Adding and removing group members (docs/service-facts.md "Microsoft Graph v1.0: groups and members"; README "How it works" step 6).
 *
 * Add: `PATCH /groups/{id}` with up to 20 `members@odata.bind` references, 20 PATCHes per `$batch`. The PATCH is
 * all-or-nothing, so a 400 "already exist" (someone added a member by hand, or the listing lagged) is split in
 * halves down to single members: the others still land and the existing one counts as already present.
 * Remove: `DELETE /groups/{id}/members/{id}/$ref`, 20 per `$batch`; 404 = not a member any more.
 * Errors that belong to the group (dynamic, synced, mail-enabled, deleted, no permission) stop the whole call as a
 * PermanentSyncError instead of failing member by member.
 */
import { forEachSliced } from "../eventLoop.js";
import { PermanentSyncError } from "../errors.js";
import type { GroupInfo, MemberFailure, MemberWriteResult, WriteOptions } from "../core/ports/directory.js";
import type { SubRequest } from "./batch.js";
import { runJobs, type JobContext } from "./jobRunner.js";
import type { GraphContext } from "./graphContext.js";
import {
  errorInfo,
  groupNotFound,
  insufficientPrivileges,
  isAlreadyExists,
  isReplicationLag,
  namesObject,
  permanentGroupError400,
  type GraphErrorInfo,
} from "./graphErrors.js";
import { chunk } from "../batches.js";
import { segment } from "./odata.js";
import type { GraphAnswer } from "./transport.js";

/** `members@odata.bind` takes at most 20 references per PATCH (docs/service-facts.md). */
export const MEMBERS_PER_PATCH = 20;
/** A young group answers "objects being referenced do not exist" while it replicates: retry a few times. */
const REPLICATION_RETRIES = 3;
const REPLICATION_DELAY_MS = 5_000;

interface WriteJob {
  readonly request: SubRequest;
  readonly ids: readonly string[];
  readonly lagRetries: number;
}

export interface WriteDeps {
  readonly context: GraphContext;
  /** Reads the group (used only to tell 403s and unexplained 404s apart). */
  readonly getGroup: (groupId: string) => Promise<GroupInfo | null>;
}

/** The only way a member reference URL is built: always ends in `/$ref` (without it DELETE removes the object). */
export function memberRefPath(groupId: string, memberId: string): string {
  return `/groups/${segment(groupId)}/members/${segment(memberId)}/$ref`;
}

/**
 * Member references name the object on Graph's own host (docs/service-facts.md: `https://graph.microsoft.com/v1.0/
 * directoryObjects/{id}`), on the national cloud's host there; a loopback simulator impersonates public Graph,
 * so it gets the public form too.
 */
function referenceRoot(graphRoot: string): string {
  return graphRoot.startsWith("https://") ? graphRoot : "https://graph.microsoft.com";
}

export async function addMembers(deps: WriteDeps, groupId: string, objectIds: readonly string[], options: WriteOptions = {}): Promise<MemberWriteResult> {
  const { connection } = deps.context;
  const directoryObjects = `${referenceRoot(connection.graphRoot)}/${connection.version}/directoryObjects/`;
  const job = (ids: readonly string[], lagRetries = 0): WriteJob => ({
    ids,
    lagRetries,
    request: {
      method: "PATCH",
      path: `/groups/${segment(groupId)}`,
      // Made when the batch is sent, not when the job is planned: a first sync of 1,000,000 members would
      // otherwise hold a million ~100-character reference URLs from the start of its writes to their end.
      get body() {
        return { "members@odata.bind": ids.map((id) => `${directoryObjects}${segment(id)}`) };
      },
      kind: "write",
    },
  });
  return write(deps, groupId, objectIds, { action: "add", perRequest: MEMBERS_PER_PATCH, makeJob: job, outcomeOf: addOutcome }, options);
}

export async function removeMembers(deps: WriteDeps, groupId: string, objectIds: readonly string[], options: WriteOptions = {}): Promise<MemberWriteResult> {
  const job = (ids: readonly string[], lagRetries = 0): WriteJob => ({
    ids,
    lagRetries,
    request: { method: "DELETE", path: memberRefPath(groupId, ids[0] as string), kind: "write" },
  });
  return write(deps, groupId, objectIds, { action: "remove", perRequest: 1, makeJob: job, outcomeOf: removeOutcome }, options);
}

type Outcome =
  | { readonly kind: "done" | "alreadyDone" | "split" | "retry" | "checkGroup" }
  | { readonly kind: "failed"; readonly info: GraphErrorInfo }
  | { readonly kind: "failedOne"; readonly id: string; readonly info: GraphErrorInfo };

function addOutcome(job: WriteJob, groupId: string, status: number, info: GraphErrorInfo): Outcome {
  if (status >= 200 && status < 300) return { kind: "done" };
  if (isAlreadyExists(status, info)) return job.ids.length === 1 ? { kind: "alreadyDone" } : { kind: "split" };
  if (isReplicationLag(status, info) && job.lagRetries < REPLICATION_RETRIES) return { kind: "retry" };
  if (status === 404 && !namesObject(info, groupId)) {
    const named = job.ids.find((id) => namesObject(info, id));
    if (named !== undefined) return { kind: "failedOne", id: named, info };
    return { kind: "checkGroup" };
  }
  return job.ids.length === 1 ? { kind: "failed", info } : { kind: "split" };
}

function removeOutcome(job: WriteJob, groupId: string, status: number, info: GraphErrorInfo): Outcome {
  if (status >= 200 && status < 300) return { kind: "done" };
  if (status === 404 && !namesObject(info, groupId)) {
    return namesObject(info, job.ids[0] as string) ? { kind: "alreadyDone" } : { kind: "checkGroup" };
  }
  if (isReplicationLag(status, info) && job.lagRetries < REPLICATION_RETRIES) return { kind: "retry" };
  return { kind: "failed", info };
}

interface WritePlan {
  readonly action: "add" | "remove";
  /** Members per sub-request. */
  readonly perRequest: number;
  readonly makeJob: (ids: readonly string[], lagRetries?: number) => WriteJob;
  readonly outcomeOf: (job: WriteJob, groupId: string, status: number, info: GraphErrorInfo) => Outcome;
}

async function write(deps: WriteDeps, groupId: string, objectIds: readonly string[], plan: WritePlan, options: WriteOptions): Promise<MemberWriteResult> {
  const { makeJob, outcomeOf } = plan;
  const done: string[] = [];
  const alreadyDone: string[] = [];
  const { ids, blank } = await unique(objectIds);
  const failed: MemberFailure[] = blank.map((id) => failure(id, 400, { code: "InvalidObjectId", message: "An empty object id cannot be a member." }));
  const jobs = chunk(ids, plan.perRequest).map((slice) => makeJob(slice));
  let group: Promise<GroupInfo | null> | null = null;
  const readGroupOnce = () => (group ??= deps.getGroup(groupId));

  const handle = async (job: WriteJob, answer: GraphAnswer, context: JobContext): Promise<WriteJob[]> => {
    const info = errorInfo(answer.body);
    const permanent = await groupLevelError(groupId, answer.status, info, readGroupOnce);
    if (permanent !== null) throw permanent;
    const outcome = outcomeOf(job, groupId, answer.status, info);
    switch (outcome.kind) {
      case "done":
        done.push(...job.ids);
        return [];
      case "alreadyDone":
        alreadyDone.push(...job.ids);
        return [];
      case "split":
        return halves(job.ids).map((ids) => makeJob(ids));
      case "retry":
        context.delayNextRound(REPLICATION_DELAY_MS * 2 ** job.lagRetries);
        return [makeJob(job.ids, job.lagRetries + 1)];
      case "failedOne": {
        failed.push(failure(outcome.id, answer.status, outcome.info));
        const rest = job.ids.filter((id) => id !== outcome.id);
        return rest.length > 0 ? [makeJob(rest)] : [];
      }
      case "checkGroup":
        // A 404 naming neither the group nor a member: if the group is gone that is permanent.
        if ((await readGroupOnce()) === null) throw groupNotFound(groupId);
        if (plan.action === "remove") {
          alreadyDone.push(...job.ids);
          return [];
        }
        if (job.ids.length > 1) return halves(job.ids).map((ids) => makeJob(ids));
        failed.push(failure(job.ids[0] as string, answer.status, info));
        return [];
      case "failed":
        for (const id of job.ids) failed.push(failure(id, answer.status, outcome.info));
        return [];
    }
  };

  const { context } = deps;
  const result = await runJobs(context.connection, context.stats, jobs, handle, {
    operation: `${plan.action} group members`,
    parallel: context.parallel,
    clock: context.clock,
    retry: context.retry,
    ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
  });
  return {
    done,
    alreadyDone,
    failed,
    deferred: result.deferred.flatMap((j) => [...j.ids]),
    retryAfterMs: result.deferred.length > 0 ? result.retryAfterMs : null,
  };
}

/**
 * The group cannot take changes from us: 404 naming the group, 400 synced / mail-enabled / Microsoft 365,
 * 403 (dynamic, role-assignable, or the app lacks permissions — the group's properties tell which).
 */
async function groupLevelError(
  groupId: string,
  status: number,
  info: GraphErrorInfo,
  readGroup: () => Promise<GroupInfo | null>,
): Promise<PermanentSyncError | null> {
  if (status === 404 && namesObject(info, groupId)) return groupNotFound(groupId);
  if (status === 400) {
    const known = permanentGroupError400(groupId, info);
    if (known !== null || isAlreadyExists(status, info) || isReplicationLag(status, info)) return known;
    // Any other refusal from a Microsoft 365 group: it takes users only and is not a target (docs/service-facts.md).
    if ((await readGroup())?.groupTypes.some((t) => t.toLowerCase() === "unified") === true) {
      return new PermanentSyncError("microsoft-365-group", `Group ${groupId} is a Microsoft 365 group; collection-sync fills security groups only.`);
    }
    return null;
  }
  if (status !== 403) return null;
  const group = await readGroup();
  if (group === null) return groupNotFound(groupId);
  if (group.groupTypes.some((t) => t.toLowerCase() === "dynamicmembership")) {
    return new PermanentSyncError(
      "dynamic-membership",
      `Group ${groupId} has dynamic membership (rule-based); its members cannot be added or removed directly.`,
    );
  }
  if (group.isAssignableToRole === true) {
    return new PermanentSyncError(
      "role-assignable",
      `Group ${groupId} can be assigned to Entra roles; changing its members needs role-management permission, which this app does not take.`,
    );
  }
  return insufficientPrivileges(groupId, info);
}

function failure(id: string, status: number, info: GraphErrorInfo): MemberFailure {
  return { id, status, code: info.code || String(status), message: info.message };
}

function halves(ids: readonly string[]): string[][] {
  const middle = Math.ceil(ids.length / 2);
  return [ids.slice(0, middle), ids.slice(middle)];
}

/** Each id once (ids compare without case; the first spelling is kept) and, apart, every blank one; sliced, as a first sync writes a million. */
async function unique(objectIds: readonly string[]): Promise<{ ids: string[]; blank: string[] }> {
  const seen = new Set<string>();
  const ids: string[] = [];
  const blank: string[] = [];
  await forEachSliced(objectIds, (id) => {
    if (id.trim() === "") return void blank.push(id);
    const key = id.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    ids.push(id);
  });
  return { ids, blank };
}

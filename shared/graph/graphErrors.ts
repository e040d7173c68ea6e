/** How Graph error answers are read and which of them mean "a person must act" (docs/service-facts.md, Graph). */
import { CollectionSyncError, PermanentSyncError } from "../errors.js";

export interface GraphErrorInfo {
  readonly code: string;
  readonly message: string;
}

/** `{"error":{"code":…,"message":…}}` as Graph answers it; anything else becomes an empty code. */
export function errorInfo(body: unknown): GraphErrorInfo {
  if (typeof body === "object" && body !== null && "error" in body) {
    const error = body.error;
    if (typeof error === "object" && error !== null) {
      const { code, message } = error as { code?: unknown; message?: unknown };
      return { code: typeof code === "string" ? code : "", message: typeof message === "string" ? message : "" };
    }
  }
  return { code: "", message: typeof body === "string" ? body : "" };
}

/** A Graph answer the adapter did not expect; it propagates (the worker treats it as transient). */
export class GraphRequestError extends CollectionSyncError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly operation: string,
  ) {
    super(`Graph ${operation} failed: ${status}${code ? ` ${code}` : ""}${message ? ` — ${message}` : ""}`);
  }
}

export const PERMISSIONS_MESSAGE =
  "The app lacks Microsoft Graph permissions for this group: grant the application permissions " +
  "GroupMember.ReadWrite.All and Device.ReadWrite.All (User.Read.All to resolve users) and wait for the token to refresh.";

/** "One or more added object references already exist…": the member is already there (docs/service-facts.md). */
export function isAlreadyExists(status: number, info: GraphErrorInfo): boolean {
  return status === 400 && /already exist/i.test(info.message);
}

/** "The source resource object or one of the objects being referenced do not exist": a young group replicating. */
export function isReplicationLag(status: number, info: GraphErrorInfo): boolean {
  return status === 400 && /source resource object or one of the objects being referenced do not exist/i.test(info.message);
}

/** Does a 404's message name this object? Graph says "Resource '{id}' does not exist …". */
export function namesObject(info: GraphErrorInfo, objectId: string): boolean {
  return info.message.toLowerCase().includes(`'${objectId.toLowerCase()}'`);
}

/**
 * Write errors that belong to the group, not to a member: synced from on-premises or mail-enabled groups answer
 * 400 with these texts (docs/service-facts.md). Dynamic, role-assignable and "no permission" all answer 403
 * Authorization_RequestDenied and are told apart by reading the group (see memberWrites.ts).
 */
export function permanentGroupError400(groupId: string, info: GraphErrorInfo): PermanentSyncError | null {
  if (/on-premises mastered Directory Sync objects/i.test(info.message)) {
    return new PermanentSyncError("on-premises-synced", `Group ${groupId} is synced from on-premises Active Directory; its members can only be changed there.`);
  }
  if (/originated within an external service/i.test(info.message)) {
    return new PermanentSyncError("mail-enabled", `Group ${groupId} is mail-enabled (managed by Exchange); Graph cannot change its members.`);
  }
  return null;
}

export function groupNotFound(groupId: string): PermanentSyncError {
  return new PermanentSyncError("group-not-found", `Group ${groupId} does not exist in Entra ID (deleted?).`);
}

export function insufficientPrivileges(groupId: string, info: GraphErrorInfo): PermanentSyncError {
  return new PermanentSyncError(
    "insufficient-privileges",
    `Graph refused to change group ${groupId} (${info.code || "403"}: ${info.message || "forbidden"}). ${PERMISSIONS_MESSAGE}`,
  );
}

import type { AuditAction, AuditActor, AuditChange } from "../audit/auditTrail.js";
import type { MappingRef } from "../core/ids.js";
import type { Principal } from "./auth.js";

export function principalActor(principal: Principal): AuditActor {
  return { name: principal.name, objectId: principal.objectId, kind: principal.kind };
}

export function mappingAudit(
  action: AuditAction,
  actor: AuditActor,
  ref: MappingRef,
  before: Readonly<Record<string, unknown>> | null,
  after: Readonly<Record<string, unknown>> | null,
  summary?: string,
): AuditChange {
  return { action, actor, collectionId: ref.collectionId, groupId: ref.groupId, before, after, ...(summary === undefined ? {} : { summary }) };
}

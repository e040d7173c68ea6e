import { z } from "zod";
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from "../audit/auditTrail.js";
import { collectionIdSchema, guidSchema } from "../core/ids.js";
import type { ApiDeps } from "./apiTypes.js";
import { AUDIT_ACTION_LABELS, labelOf } from "../core/labels.js";
import { optionalQueryParam, pagingFrom } from "./params.js";
import { ApiProblem } from "./problems.js";
import { json, type Route } from "./route.js";

const actionsSchema = z
  .string()
  .max(500)
  .transform((text) =>
    text
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== ""),
  )
  .pipe(z.array(z.enum(AUDIT_ACTIONS as [AuditAction, ...AuditAction[]])).min(1, "name at least one action"));
const timeSchema = z.iso.datetime({ offset: true, message: "must be an ISO 8601 time such as 2025-03-01T09:00:00Z" }).transform((text) => new Date(text));
const actorSchema = z
  .string()
  .trim()
  .max(200, "must be at most 200 characters")
  .regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

export function auditEntryView(entry: AuditEntry): Record<string, unknown> {
  return { ...entry, actionLabel: labelOf(AUDIT_ACTION_LABELS, entry.action) };
}

/** `GET /audit`: who changed what, newest first (docs/api.md). */
export function auditRoutes(deps: ApiDeps): Route[] {
  return [
    {
      method: "GET",
      pattern: "/audit",
      access: "read",
      async handle({ request }) {
        const { query } = request;
        const paging = pagingFrom(query);
        const collectionId = optionalQueryParam(query, "collectionId", collectionIdSchema);
        const groupId = optionalQueryParam(query, "groupId", guidSchema);
        const actions = optionalQueryParam(query, "action", actionsSchema);
        const actor = optionalQueryParam(query, "actor", actorSchema);
        const from = optionalQueryParam(query, "from", timeSchema);
        const to = optionalQueryParam(query, "to", timeSchema);
        if (from !== undefined && to !== undefined && from.getTime() >= to.getTime()) {
          throw ApiProblem.validation([{ in: "query", name: "to", message: "must be later than from" }]);
        }
        const page = await deps.audit.list(
          {
            ...(collectionId === undefined ? {} : { collectionId }),
            ...(groupId === undefined ? {} : { groupId }),
            ...(actions === undefined ? {} : { actions }),
            ...(actor === undefined ? {} : { actor }),
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
          },
          paging,
        );
        return json(200, { items: page.items.map(auditEntryView), continuationToken: page.continuationToken ?? null });
      },
    },
  ];
}

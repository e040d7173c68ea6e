/** Reading groups: one group, a displayName search, and a group's member ids (docs/service-facts.md, groups and members). */
import { z } from "zod";
import type { GroupInfo, MemberKind } from "../core/ports/directory.js";
import { readFailure, type GraphContext } from "./graphContext.js";
import { errorInfo, groupNotFound } from "./graphErrors.js";
import { odataString } from "../odata.js";
import { queryValue, searchable, searchClause, segment } from "./odata.js";
import { forEachPage, readPage } from "./paging.js";

export const GROUP_SELECT = "id,displayName,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled,isAssignableToRole,membershipRule";

/** Graph's page size maximum; `$top=1000` is refused (docs/service-facts.md). */
export const PAGE_SIZE = 999;

const groupSchema = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  groupTypes: z.array(z.string()).nullish(),
  securityEnabled: z.boolean().nullish(),
  mailEnabled: z.boolean().nullish(),
  onPremisesSyncEnabled: z.boolean().nullish(),
  isAssignableToRole: z.boolean().nullish(),
  membershipRule: z.string().nullish(),
});

export function toGroupInfo(value: unknown): GroupInfo {
  const g = groupSchema.parse(value);
  return {
    id: g.id,
    displayName: g.displayName ?? "",
    groupTypes: g.groupTypes ?? [],
    securityEnabled: g.securityEnabled ?? false,
    mailEnabled: g.mailEnabled ?? false,
    onPremisesSyncEnabled: g.onPremisesSyncEnabled ?? null,
    isAssignableToRole: g.isAssignableToRole ?? null,
    membershipRule: g.membershipRule ?? null,
  };
}

/** The group, or null when Graph does not know it (404, or an id Graph cannot parse). */
export async function getGroup(context: GraphContext, groupId: string): Promise<GroupInfo | null> {
  if (groupId.trim() === "") return null;
  const answer = await context.connection.send(
    { method: "GET", path: `/groups/${segment(groupId)}?$select=${GROUP_SELECT}`, reads: 1, writes: 0, operation: "read group" },
    context.stats,
  );
  if (answer.status === 200) return toGroupInfo(answer.body);
  if (answer.status === 404) return null;
  if (answer.status === 400 && /invalid object identifier/i.test(errorInfo(answer.body).message)) return null;
  throw readFailure(answer, "read group");
}

/**
 * Word-prefix search on displayName: `$search="displayName:…"` needs `ConsistencyLevel: eventual` (and `$count`,
 * as Graph's examples send it). Text without a word to search for, or a `$search` Graph refuses, falls back to
 * `startswith(displayName,'…')`.
 */
export async function searchGroups(context: GraphContext, text: string, limit: number): Promise<GroupInfo[]> {
  const top = Math.max(1, Math.min(PAGE_SIZE, Math.floor(limit)));
  const trimmed = text.trim();
  const select = `$select=${GROUP_SELECT}&$top=${top}`;
  if (trimmed === "") return listOnce(context, `/groups?${select}`, top);
  if (searchable(trimmed)) {
    const answer = await context.connection.send(
      {
        method: "GET",
        path: `/groups?$search=${queryValue(searchClause("displayName", trimmed))}&${select}&$count=true`,
        headers: { ConsistencyLevel: "eventual" },
        reads: 1,
        writes: 0,
        operation: "search groups",
      },
      context.stats,
    );
    if (answer.status === 200) return readPage(answer.body).value.slice(0, top).map(toGroupInfo);
    if (answer.status !== 400) throw readFailure(answer, "search groups");
  }
  const filter = queryValue(`startswith(displayName,${odataString(trimmed)})`);
  return listOnce(context, `/groups?$filter=${filter}&${select}`, top);
}

async function listOnce(context: GraphContext, path: string, top: number): Promise<GroupInfo[]> {
  const answer = await context.connection.send({ method: "GET", path, reads: 1, writes: 0, operation: "search groups" }, context.stats);
  if (answer.status !== 200) throw readFailure(answer, "search groups");
  return readPage(answer.body).value.slice(0, top).map(toGroupInfo);
}

/** Direct members of one kind, by OData type cast, `$select=id`, 999 a page, every page (docs/service-facts.md). */
export async function listMemberIds(context: GraphContext, groupId: string, kind: MemberKind): Promise<Set<string>> {
  const ids = new Set<string>();
  const cast = kind === "device" ? "microsoft.graph.device" : "microsoft.graph.user";
  await forEachPage(
    context,
    `/groups/${segment(groupId)}/members/${cast}?$select=id&$top=${PAGE_SIZE}`,
    (page) => {
      for (const item of page.value) {
        const id = typeof item === "object" && item !== null ? (item as { id?: unknown }).id : undefined;
        if (typeof id === "string") ids.add(id);
      }
    },
    {
      operation: "list group members",
      onFirstPageError: (answer) => (answer.status === 404 ? groupNotFound(groupId) : null),
    },
  );
  return ids;
}

/**
 * What changed in a group's membership since a stored delta link (docs/service-facts.md, Delta): following the
 * `@odata.deltaLink` of `GET /groups/delta?$filter=id eq '{id}'&$select=members` returns the group only when
 * something changed, its `members@delta` listing added members and removed ones (with `@removed`), each with its
 * `@odata.type`. A large change spans pages; the last one carries the next deltaLink.
 */
import type { MemberChange, MemberKind, MembershipChanges } from "../core/ports/directory.js";
import type { GraphContext } from "./graphContext.js";
import { readFailure } from "./graphContext.js";
import { isExpired } from "./membershipDelta.js";
import { forEachPage, readPage, type Page } from "./paging.js";

const TYPE_OF_KIND: Record<MemberKind, string> = { device: "#microsoft.graph.device", user: "#microsoft.graph.user" };
/** Properties every delta item may carry without the group itself having changed. */
const ITEM_BASICS = new Set(["id", "members@delta"]);
const OPERATION = "read group changes";

type Item = Record<string, unknown>;

/**
 * Changes to members of `kind` since `token`, in Graph's order. null when the token can no longer be used (expired
 * after 7 days: 410 Gone or `syncStateNotFound`; issued for another Graph root) or when a change came without a
 * member type (it cannot be told apart): the caller reads the group in full.
 */
export async function readMembershipChanges(context: GraphContext, groupId: string, kind: MemberKind, token: string): Promise<MembershipChanges | null> {
  let path: string;
  try {
    path = context.connection.relativePath(token);
  } catch {
    return null;
  }
  const first = await context.connection.send({ method: "GET", path, reads: 1, writes: 0, operation: OPERATION }, context.stats);
  if (isExpired(first.status, first.body)) return null;
  if (first.status !== 200) throw readFailure(first, OPERATION);

  const changes: MemberChange[] = [];
  let groupChanged = false;
  let untyped = false;
  const wantedType = TYPE_OF_KIND[kind];
  const take = (page: Page) => {
    for (const value of page.value) {
      if (typeof value !== "object" || value === null) continue;
      const item = value as Item;
      if (typeof item["id"] === "string" && item["id"].toLowerCase() !== groupId.toLowerCase()) continue;
      // Deleted, or its own properties changed: the engine checks the group before it trusts anything else.
      if ("@removed" in item || Object.keys(item).some((key) => !key.startsWith("@") && !ITEM_BASICS.has(key))) groupChanged = true;
      const members = item["members@delta"];
      if (!Array.isArray(members)) continue;
      for (const member of members as unknown[]) {
        if (typeof member !== "object" || member === null) continue;
        const { id, "@odata.type": type } = member as Item;
        if (typeof id !== "string") continue;
        if (typeof type !== "string") untyped = true;
        else if (type.toLowerCase() === wantedType.toLowerCase()) changes.push({ id, removed: "@removed" in (member as Item) });
      }
    }
  };
  const page = readPage(first.body);
  take(page);
  let deltaLink = page.deltaLink;
  if (page.nextLink !== null) {
    deltaLink = await forEachPage(context, context.connection.relativePath(page.nextLink), take, { operation: OPERATION });
  }
  return untyped ? null : { changes, groupChanged, token: deltaLink };
}

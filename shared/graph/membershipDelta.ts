/**
 * "Did the group's membership change?" through group delta (docs/service-facts.md, Delta):
 * `GET /groups/delta?$filter=id eq '{id}'&$select=members`. The token we hand out is the `@odata.deltaLink`.
 * A first token starts "from now" (`$deltatoken=latest`: no member data is read); following a stored deltaLink
 * returns the group only if its members changed. Expired tokens (410 Gone / syncStateNotFound, after 7 days)
 * count as "changed" and a fresh token is issued.
 */
import { errorInfo } from "./graphErrors.js";
import { readFailure, type GraphContext } from "./graphContext.js";
import { odataString } from "../odata.js";
import { queryValue } from "./odata.js";
import { forEachPage, readPage } from "./paging.js";

const EXPIRED_CODES = new Set(["syncstatenotfound", "syncstateinvalid", "resyncrequired"]);

export interface MembershipToken {
  readonly changed: boolean;
  readonly token: string | null;
}

function deltaPath(groupId: string): string {
  return `/groups/delta?$filter=${queryValue(`id eq ${odataString(groupId)}`)}&$select=members`;
}

export async function membershipToken(context: GraphContext, groupId: string, previous: string | null): Promise<MembershipToken> {
  if (previous === null) return { changed: true, token: await latestToken(context, groupId) };

  let path: string;
  try {
    path = context.connection.relativePath(previous);
  } catch {
    // A token from another Graph root (the setting changed): start over.
    return { changed: true, token: await latestToken(context, groupId) };
  }
  const first = await context.connection.send({ method: "GET", path, reads: 1, writes: 0, operation: "check group changes" }, context.stats);
  if (isExpired(first.status, first.body)) return { changed: true, token: await latestToken(context, groupId) };
  if (first.status !== 200) throw readFailure(first, "check group changes");

  const page = readPage(first.body);
  let changed = page.value.length > 0;
  let deltaLink = page.deltaLink;
  if (page.nextLink !== null) {
    deltaLink = await forEachPage(context, context.connection.relativePath(page.nextLink), (p) => (changed ||= p.value.length > 0), {
      operation: "check group changes",
    });
  }
  // Without a new deltaLink there is nothing safe to compare against next time.
  return deltaLink === null ? { changed: true, token: null } : { changed, token: deltaLink };
}

/** A delta link Graph no longer accepts (expired after 7 days, or the sync state is gone). */
export function isExpired(status: number, body: unknown): boolean {
  if (status === 410) return true;
  return status >= 400 && status < 500 && EXPIRED_CODES.has(errorInfo(body).code.toLowerCase());
}

/** A deltaLink for "from now"; when `$deltatoken=latest` is refused, one full delta round (pages dropped). */
async function latestToken(context: GraphContext, groupId: string): Promise<string | null> {
  const path = deltaPath(groupId);
  const answer = await context.connection.send(
    { method: "GET", path: `${path}&$deltatoken=latest`, reads: 1, writes: 0, operation: "start group change tracking" },
    context.stats,
  );
  if (answer.status === 200) {
    const page = readPage(answer.body);
    if (page.deltaLink !== null) return page.deltaLink;
  } else if (answer.status !== 400) {
    throw readFailure(answer, "start group change tracking");
  }
  return forEachPage(context, path, () => {}, { operation: "start group change tracking" });
}

import { createHash } from "node:crypto";
import type { ApiRequest, ApiResponse } from "./apiMessages.js";
import { json } from "./route.js";

const hash = (text: string) => createHash("sha256").update(text, "utf8").digest("base64url").slice(0, 16);

/** `W/"<stored mapping's tag>.<what the answer shows>"`: changes with the mapping, its state or its runs. */
const VIEW_TAG = /^W\/"([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{16})"$/;

function matchesAny(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((candidate) => {
    const value = candidate.trim();
    return value === "*" || value === tag || value.replace(/^W\//, "") === tag.replace(/^W\//, "");
  });
}

/**
 * A JSON answer with an ETag for exactly what it shows; `If-None-Match` with that tag → 304 without a body, so
 * a page that polls pays for nothing while nothing changed. `storedTag` (a mapping's storage ETag) goes into
 * the tag too, so `If-Match` can accept the header a reader got (see ifMatchOf).
 */
export function conditionalJson(request: ApiRequest, body: unknown, storedTag = ""): ApiResponse {
  const etag = `W/"${hash(storedTag)}.${hash(JSON.stringify(body))}"`;
  if (matchesAny(request.headers["if-none-match"], etag)) return { status: 304, headers: { etag } };
  return json(200, body, { etag });
}

/**
 * `If-Match` as the mapping store understands it: a view tag from `conditionalJson` names the stored tag it was
 * made from, so it matches while the stored mapping is the one the reader saw (its runs may have moved on).
 */
export function ifMatchOf(ifMatch: string | null, storedTag: string): string | null {
  if (ifMatch === null) return null;
  const view = VIEW_TAG.exec(ifMatch);
  if (view === null) return ifMatch;
  return view[1] === hash(storedTag) ? storedTag : ifMatch;
}

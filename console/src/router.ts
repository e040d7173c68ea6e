/**
 * Hash routes: the server serves one page, so every console URL works on reload and in a new tab. A view's
 * search, sort, filters and page sit in the hash's query (`#/?search=kiosk&page=2`), so back/forward move
 * between views and a copied link reproduces one.
 */
export type Route =
  | { readonly page: "mappings"; readonly query: URLSearchParams }
  | { readonly page: "new" }
  | { readonly page: "health" }
  | { readonly page: "audit"; readonly query: URLSearchParams }
  | { readonly page: "mapping"; readonly collectionId: string; readonly groupId: string; readonly query: URLSearchParams }
  | { readonly page: "run"; readonly collectionId: string; readonly groupId: string; readonly runId: string; readonly query: URLSearchParams }
  | { readonly page: "not-found"; readonly path: string };

export function parseRoute(hash: string): Route {
  const [rawPath = "", rawQuery = ""] = hash.replace(/^#/, "").split("?", 2);
  const path = rawPath || "/";
  const query = new URLSearchParams(rawQuery);
  const parts = path
    .split("/")
    .filter((part) => part !== "")
    .map(decodeURIComponent);
  if (parts.length === 0) return { page: "mappings", query };
  if (parts.length === 1 && parts[0] === "new") return { page: "new" };
  if (parts.length === 1 && parts[0] === "health") return { page: "health" };
  if (parts.length === 1 && parts[0] === "audit") return { page: "audit", query };
  const [head, collectionId, groupId, runs, runId] = parts;
  if (head === "mappings" && collectionId !== undefined && groupId !== undefined) {
    if (parts.length === 3) return { page: "mapping", collectionId, groupId, query };
    if (parts.length === 5 && runs === "runs" && runId !== undefined) return { page: "run", collectionId, groupId, runId, query };
  }
  return { page: "not-found", path };
}

export function mappingHref(collectionId: string, groupId: string): string {
  return `#/mappings/${encodeURIComponent(collectionId)}/${encodeURIComponent(groupId)}`;
}

export function runHref(collectionId: string, groupId: string, runId: string): string {
  return `${mappingHref(collectionId, groupId)}/runs/${encodeURIComponent(runId)}`;
}

export function auditHref(filters: Record<string, string> = {}): string {
  return withQuery("#/audit", filters);
}

/** `base` with the non-empty values as its query (defaults are left out, so links stay short). */
export function withQuery(base: string, values: Record<string, string>): string {
  const query = new URLSearchParams(Object.entries(values).filter(([, value]) => value !== ""));
  const text = query.toString();
  return text === "" ? base : `${base}?${text}`;
}

export function go(hash: string): void {
  window.location.hash = hash;
}

/**
 * Puts a view's new query into the URL. `replace` for every keystroke of a search box (back does not step
 * through each letter); a new history entry for a page, sort or filter change (back undoes it).
 */
export function setQuery(base: string, values: Record<string, string>, replace = false): void {
  const hash = withQuery(base, values);
  if (window.location.hash === hash) return;
  if (replace) {
    window.history.replaceState(null, "", hash);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else window.location.hash = hash;
}

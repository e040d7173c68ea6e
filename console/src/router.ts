/** Hash routes: the server serves one page, so every console URL works on reload and in a new tab. */
export type Route =
  | { readonly page: "mappings" }
  | { readonly page: "new" }
  | { readonly page: "health" }
  | { readonly page: "mapping"; readonly collectionId: string; readonly groupId: string }
  | { readonly page: "run"; readonly collectionId: string; readonly groupId: string; readonly runId: string }
  | { readonly page: "not-found"; readonly path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  const parts = path.split("/").filter((part) => part !== "").map(decodeURIComponent);
  if (parts.length === 0) return { page: "mappings" };
  if (parts.length === 1 && parts[0] === "new") return { page: "new" };
  if (parts.length === 1 && parts[0] === "health") return { page: "health" };
  const [head, collectionId, groupId, runs, runId] = parts;
  if (head === "mappings" && collectionId !== undefined && groupId !== undefined) {
    if (parts.length === 3) return { page: "mapping", collectionId, groupId };
    if (parts.length === 5 && runs === "runs" && runId !== undefined) return { page: "run", collectionId, groupId, runId };
  }
  return { page: "not-found", path };
}

export function mappingHref(collectionId: string, groupId: string): string {
  return `#/mappings/${encodeURIComponent(collectionId)}/${encodeURIComponent(groupId)}`;
}

export function runHref(collectionId: string, groupId: string, runId: string): string {
  return `${mappingHref(collectionId, groupId)}/runs/${encodeURIComponent(runId)}`;
}

export function go(hash: string): void {
  window.location.hash = hash;
}

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { ApiResponse } from "../api/apiMessages.js";
import { ApiProblem, problemResponse } from "../api/problems.js";

/**
 * The web console's static files (built by `npm run build` into `dist/console`): `index.html` and
 * `assets/<build hash>/…`. Asset URLs carry the build's hash, so they are cached for a year and a new build is
 * fetched at once; `index.html` is revalidated on every load. Files are read into memory once: a request can
 * only ever name one of them (no path reaches the file system).
 */
export interface ConsoleFiles {
  /** The answer for a path outside `/api` (GET or HEAD). */
  answer(method: string, path: string): ApiResponse;
}

/**
 * No inline script or style, no eval, nothing from another origin; the API is called on the same origin.
 * `frame-ancestors 'none'` keeps the console out of frames (clickjacking).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** `dist/console` of this package, found from any module inside it (source or compiled). */
export function defaultConsoleDir(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, "dist", "console");
}

export function loadConsoleFiles(dir: string): ConsoleFiles {
  const files = new Map<string, { body: string; type: string }>();
  if (existsSync(join(dir, "index.html"))) {
    for (const file of walk(dir)) {
      const name = `/${relative(dir, file).split(sep).join("/")}`;
      const dot = name.lastIndexOf(".");
      files.set(name, { body: readFileSync(file, "utf8"), type: TYPES[name.slice(dot)] ?? "application/octet-stream" });
    }
  }

  return {
    answer(method, path) {
      if (method !== "GET" && method !== "HEAD") return problem(new ApiProblem(405, "method-not-allowed", "Only GET and HEAD are served here.", [], { allow: "GET, HEAD" }), path);
      const index = files.get("/index.html");
      if (index === undefined) return problem(new ApiProblem(503, "internal", "The console is not built: run `npm run build`. The API under /api/ works without it."), path);
      if (path === "/" || path === "/index.html") {
        return { status: 200, headers: { ...SECURITY_HEADERS, "content-type": index.type, "cache-control": "no-cache", "content-security-policy": CONSOLE_CSP }, textBody: index.body };
      }
      const file = path.startsWith("/assets/") ? files.get(path) : undefined;
      if (file === undefined) return problem(new ApiProblem(404, "not-found", "Nothing here. The console lives at / and the API under /api/."), path);
      return { status: 200, headers: { ...SECURITY_HEADERS, "content-type": file.type, "cache-control": "public, max-age=31536000, immutable" }, textBody: file.body };
    },
  };
}

/** Errors are problem documents, like the API's: one error shape for every path of the app. */
function problem(error: ApiProblem, path: string): ApiResponse {
  const response = problemResponse(error, path);
  return { ...response, headers: { ...SECURITY_HEADERS, "cache-control": "no-store", ...response.headers } };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { ApiResponse } from "../api/apiMessages.js";
import { ApiProblem, problemResponse } from "../api/problems.js";
import { chooseCoding, type ContentCoding } from "./contentCoding.js";

/**
 * The web console's static files (built by `npm run build` into `dist/console`): `index.html`, the favicon and
 * `assets/<build hash>/…`. Asset URLs carry the build's hash, so they are cached for a year and a new build is
 * fetched at once; `index.html` is revalidated on every load. Files are read into memory once: a request can
 * only ever name one of them (no path reaches the file system). The build leaves brotli (`.br`) and gzip
 * (`.gz`) copies beside each text file; the answer picks one by the request's `Accept-Encoding`.
 */
export interface ConsoleFiles {
  /** The answer for a path outside `/api` (GET or HEAD); `headers` with lower-case names. */
  answer(method: string, path: string, headers?: Readonly<Record<string, string | undefined>>): ApiResponse;
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
  ".ico": "image/svg+xml",
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

interface ConsoleFile {
  readonly type: string;
  /** The file as built, and its precompressed copies by content coding. */
  readonly bodies: ReadonlyMap<ContentCoding, Buffer>;
}

export function loadConsoleFiles(dir: string): ConsoleFiles {
  const files = new Map<string, ConsoleFile>();
  if (existsSync(join(dir, "index.html"))) {
    for (const file of walk(dir)) {
      if (file.endsWith(".gz") || file.endsWith(".br")) continue;
      const name = `/${relative(dir, file).split(sep).join("/")}`;
      const dot = name.lastIndexOf(".");
      const bodies = new Map<ContentCoding, Buffer>([["identity", readFileSync(file)]]);
      for (const [coding, suffix] of [
        ["br", ".br"],
        ["gzip", ".gz"],
      ] as const) {
        if (existsSync(file + suffix)) bodies.set(coding, readFileSync(file + suffix));
      }
      files.set(name, { type: TYPES[name.slice(dot)] ?? "application/octet-stream", bodies });
    }
  }

  const send = (file: ConsoleFile, headers: Record<string, string>, acceptEncoding: string | undefined): ApiResponse => {
    const coding = chooseCoding(acceptEncoding, [...file.bodies.keys()]);
    const compressed = file.bodies.size > 1;
    return {
      status: 200,
      headers: {
        ...SECURITY_HEADERS,
        "content-type": file.type,
        ...headers,
        // Any cache between here and the browser must key the copy on the request's Accept-Encoding.
        ...(compressed ? { vary: "Accept-Encoding" } : {}),
        ...(coding === "identity" ? {} : { "content-encoding": coding }),
      },
      bytesBody: file.bodies.get(coding) ?? Buffer.alloc(0),
    };
  };

  return {
    answer(method, path, headers = {}) {
      if (method !== "GET" && method !== "HEAD")
        return problem(new ApiProblem(405, "method-not-allowed", "Only GET and HEAD are served here.", [], { allow: "GET, HEAD" }), path);
      const index = files.get("/index.html");
      if (index === undefined)
        return problem(new ApiProblem(503, "internal", "The console is not built: run `npm run build`. The API under /api/ works without it."), path);
      const acceptEncoding = headers["accept-encoding"];
      if (path === "/" || path === "/index.html") {
        return send(index, { "cache-control": "no-cache", "content-security-policy": CONSOLE_CSP }, acceptEncoding);
      }
      // The page links /favicon.svg; browsers and tools that do not read its <link rel="icon"> ask for /favicon.ico.
      const favicon = files.get("/favicon.svg");
      if ((path === "/favicon.svg" || path === "/favicon.ico") && favicon !== undefined)
        return send(favicon, { "cache-control": "public, max-age=86400" }, acceptEncoding);
      const file = path.startsWith("/assets/") ? files.get(path) : undefined;
      if (file === undefined) return problem(new ApiProblem(404, "not-found", "Nothing here. The console lives at / and the API under /api/."), path);
      return send(file, { "cache-control": "public, max-age=31536000, immutable" }, acceptEncoding);
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

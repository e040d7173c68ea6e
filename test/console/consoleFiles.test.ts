import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CONSOLE_CSP, loadConsoleFiles } from "../../shared/console/consoleFiles.js";
import { chooseCoding } from "../../shared/console/contentCoding.js";

const SCRIPT = `export const words = ${JSON.stringify("collection-sync ".repeat(200))};`;

function built(): string {
  const dir = mkdtempSync(join(tmpdir(), "console-files-"));
  mkdirSync(join(dir, "assets", "abc123", "pages"), { recursive: true });
  writeFileSync(join(dir, "index.html"), '<script type="module" src="/assets/abc123/main.js"></script>');
  writeFileSync(join(dir, "assets", "abc123", "main.js"), "export {};");
  writeFileSync(join(dir, "assets", "abc123", "pages", "run.js"), "export {};");
  writeFileSync(join(dir, "assets", "abc123", "styles.css"), "body{}");
  // What the build leaves for a large file: the file and its brotli and gzip copies.
  writeFileSync(join(dir, "assets", "abc123", "big.js"), SCRIPT);
  writeFileSync(join(dir, "assets", "abc123", "big.js.br"), brotliCompressSync(SCRIPT));
  writeFileSync(join(dir, "assets", "abc123", "big.js.gz"), gzipSync(SCRIPT));
  writeFileSync(join(dir, "favicon.svg"), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

const text = (body: Uint8Array | undefined) => Buffer.from(body ?? new Uint8Array()).toString("utf8");

describe("the console's static files", () => {
  it("serves the page with a strict Content-Security-Policy and revalidation", () => {
    const answer = loadConsoleFiles(built()).answer("GET", "/");
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^text\/html/);
    expect(answer.headers["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(answer.headers["cache-control"]).toBe("no-cache");
  });

  it("serves hashed assets with their type, cached for a year", () => {
    const files = loadConsoleFiles(built());
    const script = files.answer("GET", "/assets/abc123/pages/run.js");
    expect(script.headers["content-type"]).toMatch(/^text\/javascript/);
    expect(script.headers["cache-control"]).toContain("immutable");
    expect(files.answer("GET", "/assets/abc123/styles.css").headers["content-type"]).toMatch(/^text\/css/);
  });

  it("answers a 404 problem for anything it did not build, whatever the path tries", () => {
    const files = loadConsoleFiles(built());
    for (const path of ["/assets/abc123/../../index.html", "/assets/other/main.js", "/etc/passwd", "/assets/abc123/missing.js"]) {
      const answer = files.answer("GET", path);
      expect(answer.status, path).toBe(404);
      expect(answer.headers["content-type"], path).toBe("application/problem+json");
    }
    expect(files.answer("POST", "/").status).toBe(405);
  });

  it("sends the brotli or gzip copy the browser accepts, and says that the answer varies by Accept-Encoding", () => {
    const files = loadConsoleFiles(built());
    const br = files.answer("GET", "/assets/abc123/big.js", { "accept-encoding": "gzip, deflate, br, zstd" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers.vary).toBe("Accept-Encoding");
    expect(br.bytesBody!.byteLength).toBeLessThan(SCRIPT.length / 5);
    expect(brotliDecompressSync(br.bytesBody!).toString("utf8")).toBe(SCRIPT);

    const gz = files.answer("GET", "/assets/abc123/big.js", { "accept-encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.bytesBody!).toString("utf8")).toBe(SCRIPT);

    for (const acceptEncoding of [undefined, "identity", "br;q=0, gzip;q=0", "deflate"]) {
      const plain = files.answer("GET", "/assets/abc123/big.js", acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding });
      expect(plain.headers["content-encoding"], acceptEncoding).toBeUndefined();
      expect(plain.headers.vary, acceptEncoding).toBe("Accept-Encoding");
      expect(text(plain.bytesBody), acceptEncoding).toBe(SCRIPT);
    }
  });

  it("serves a favicon at /favicon.svg and /favicon.ico instead of a 404", () => {
    const files = loadConsoleFiles(built());
    for (const path of ["/favicon.svg", "/favicon.ico"]) {
      const icon = files.answer("GET", path);
      expect(icon.status, path).toBe(200);
      expect(icon.headers["content-type"], path).toBe("image/svg+xml");
      expect(text(icon.bytesBody), path).toContain("<svg");
    }
  });

  it("never serves a compressed copy by its own name", () => {
    expect(loadConsoleFiles(built()).answer("GET", "/assets/abc123/big.js.gz").status).toBe(404);
  });

  it("says how to build it when it was not built", () => {
    const answer = loadConsoleFiles(mkdtempSync(join(tmpdir(), "console-empty-"))).answer("GET", "/");
    expect(answer.status).toBe(503);
    expect(JSON.stringify(answer.jsonBody)).toContain("npm run build");
  });
});

describe("choosing a content coding from Accept-Encoding", () => {
  const all = ["br", "gzip", "identity"] as const;
  it("prefers brotli, then gzip, among equally weighted codings", () => {
    expect(chooseCoding("gzip, br", all)).toBe("br");
    expect(chooseCoding("gzip, deflate", all)).toBe("gzip");
    expect(chooseCoding("*", all)).toBe("br");
  });
  it("follows q-values, and refuses a coding with q=0", () => {
    expect(chooseCoding("br;q=0.5, gzip;q=1.0", all)).toBe("gzip");
    expect(chooseCoding("br;q=0, *;q=0.1", all)).toBe("gzip");
    expect(chooseCoding("BR;Q=0, GZIP", all)).toBe("gzip");
  });
  it("answers uncompressed when nothing better is accepted or held", () => {
    expect(chooseCoding("", all)).toBe("identity");
    expect(chooseCoding("deflate, zstd", all)).toBe("identity");
    expect(chooseCoding("br", ["identity"])).toBe("identity");
  });
});

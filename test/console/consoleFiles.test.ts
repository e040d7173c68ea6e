import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONSOLE_CSP, loadConsoleFiles } from "../../shared/console/consoleFiles.js";

function built(): string {
  const dir = mkdtempSync(join(tmpdir(), "console-files-"));
  mkdirSync(join(dir, "assets", "abc123", "pages"), { recursive: true });
  writeFileSync(join(dir, "index.html"), '<script type="module" src="/assets/abc123/main.js"></script>');
  writeFileSync(join(dir, "assets", "abc123", "main.js"), "export {};");
  writeFileSync(join(dir, "assets", "abc123", "pages", "run.js"), "export {};");
  writeFileSync(join(dir, "assets", "abc123", "styles.css"), "body{}");
  return dir;
}

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

  it("says how to build it when it was not built", () => {
    const answer = loadConsoleFiles(mkdtempSync(join(tmpdir(), "console-empty-"))).answer("GET", "/");
    expect(answer.status).toBe(503);
    expect(JSON.stringify(answer.jsonBody)).toContain("npm run build");
  });
});

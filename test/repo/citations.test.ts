import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The repository stands on its own: every file a doc or comment points to is in it. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const skipped = new Set(["node_modules", "dist", ".git", "coverage", ".collection-sync"]);
const textFile = /\.(ts|mts|mjs|js|md|json|bicep|sh|ps1|yaml|yml)$|^\.funcignore$|^run$/;

function repoFiles(dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (skipped.has(name) || name.startsWith("__")) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return repoFiles(path);
    return textFile.test(name) ? [path] : [];
  });
}

const files = repoFiles().filter((path) => !path.endsWith("package-lock.json"));
const thisFile = fileURLToPath(import.meta.url);

describe("citations in docs and comments", () => {
  it("never cite a team handbook that is not in the repository", () => {
    const handbook = new RegExp(["FACTS", "DESIGN", "STYLE"].map((name) => `${name}\\.md`).join("|") + `|${"DESIGN"} §`);
    const offenders = files
      .filter((path) => path !== thisFile)
      .flatMap((path) =>
        readFileSync(path, "utf8")
          .split("\n")
          .map((line, index) => ({ line, where: `${relative(root, path)}:${index + 1}` }))
          .filter(({ line }) => handbook.test(line))
          .map(({ where }) => where),
      );
    expect(offenders).toEqual([]);
  });

  it("name only docs/ files that exist", () => {
    const missing = files.flatMap((path) =>
      [...readFileSync(path, "utf8").matchAll(/\bdocs\/([\w.-]+\.md)/g)]
        .map((match) => `docs/${match[1]}`)
        .filter((doc) => !existsSync(join(root, doc)))
        .map((doc) => `${relative(root, path)} → ${doc}`),
    );
    expect(missing).toEqual([]);
  });

  it("link only to files that exist from README and docs/", () => {
    const markdown = files.filter((path) => path.endsWith(".md"));
    const broken = markdown.flatMap((path) =>
      [...readFileSync(path, "utf8").matchAll(/\]\(([^)\s]+)\)/g)]
        .map((match) => match[1]!.split("#")[0]!)
        .filter((target) => target !== "" && !/^[a-z]+:/i.test(target))
        .filter((target) => !existsSync(resolve(dirname(path), decodeURI(target))))
        .map((target) => `${relative(root, path)} → ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it("keeps the service facts, with a public source for each Microsoft service the code talks to", () => {
    const facts = readFileSync(join(root, "docs/service-facts.md"), "utf8");
    for (const section of ["Microsoft Graph", "ConfigMgr AdminService", "Service Bus", "Table Storage", "Blob Storage", "App Service Authentication"]) {
      expect(facts).toContain(`## ${section}`);
    }
    expect(facts).toMatch(/simulator only/);
    expect(facts.match(/https:\/\/learn\.microsoft\.com\//g)?.length ?? 0).toBeGreaterThan(30);
  });
});

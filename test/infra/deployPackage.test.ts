import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The Functions deployment package as azd builds it (docs/deploy.md "What gets deployed"): the repository tree
 * minus .funcignore, uploaded for Azure's remote build, which installs the production dependencies there.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

/** .funcignore follows gitignore syntax; this reads the subset it uses (no negations). */
function ignoreRules(text: string): ((path: string, isDir: boolean) => boolean)[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      if (line.startsWith("!")) throw new Error(`.funcignore negation not understood by this test: ${line}`);
      const dirOnly = line.endsWith("/");
      const body = line.replace(/^\//, "").replace(/\/$/, "");
      const anchored = line.startsWith("/") || body.includes("/");
      const glob = new RegExp(`^${body.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")}$`);
      return (path: string, isDir: boolean) => {
        if (dirOnly && !isDir) return false;
        return anchored ? glob.test(path) : path.split("/").some((segment) => glob.test(segment));
      };
    });
}

function packageFiles(): string[] {
  const rules = ignoreRules(read(".funcignore"));
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir)).flatMap((name) => {
      const path = dir === "" ? name : `${dir}/${name}`;
      const isDir = statSync(join(root, path)).isDirectory();
      if (name === ".git" || rules.some((ignored) => ignored(path, isDir))) return [];
      return isDir ? walk(path) : [path];
    });
  return walk("");
}

/** Every source file functions/index.ts reaches through relative imports (static and dynamic). */
function functionsImportGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const text = read(file);
    const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["']([^"']+)["']/g)].map((match) => match[1]!);
    graph.set(file, specifiers);
    for (const specifier of specifiers.filter((s) => s.startsWith("."))) {
      visit(relative(root, resolve(root, dirname(file), specifier)).replace(/\.js$/, ".ts"));
    }
  };
  visit("functions/index.ts");
  return graph;
}

/** The production dependency closure from package-lock.json, resolved the way Node resolves node_modules. */
function productionClosure(): Set<string> {
  const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }> };
  const manifest = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
  const closure = new Set<string>();
  const locate = (from: string, name: string): string | null => {
    for (let base = from; ; base = base.includes("/node_modules/") ? base.slice(0, base.lastIndexOf("/node_modules/")) : "") {
      const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
      if (lock.packages[candidate] !== undefined) return candidate;
      if (base === "") return null;
    }
  };
  const visit = (from: string, names: string[]) => {
    for (const name of names) {
      const found = locate(from, name);
      if (found === null || closure.has(found)) continue;
      closure.add(found);
      const entry = lock.packages[found]!;
      visit(found, [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {})]);
    }
  };
  visit("", Object.keys(manifest.dependencies));
  return new Set([...closure].map((path) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length)));
}

describe("the Functions deployment package", () => {
  it("is built remotely like Microsoft's TypeScript quickstart: remoteBuild on, node_modules never uploaded", () => {
    expect(read("azure.yaml")).toMatch(/^\s+remoteBuild: true$/m);
    expect(read(".funcignore").split("\n")).toContain("node_modules");
  });

  it("holds the built app, host.json and the manifests — no sources, tests, docs, infra, local settings or node_modules", () => {
    if (!existsSync(join(root, "dist/functions/index.js"))) throw new Error("dist/ is missing: run npm run build (npm install does it)");
    const files = packageFiles();
    expect(files).toEqual(expect.arrayContaining(["host.json", "package.json", "package-lock.json", "dist/functions/index.js", "dist/functions/composeServices.js", "scripts/build.mjs"]));
    const unwanted = files.filter((file) => /^(node_modules|test|docs|infra|bench|simulator|cli|shared|functions|bin|dist\/(bench|simulator|cli))\//.test(file) || /\.ts$/.test(file) || /^local\.settings/.test(file));
    expect(unwanted).toEqual([]);
  });

  it("contains every module the Functions app loads, and none of them imports azurite", () => {
    const graph = functionsImportGraph();
    const files = new Set(packageFiles());
    const missing = [...graph.keys()].map((source) => `dist/${source.replace(/\.ts$/, ".js")}`).filter((built) => !files.has(built));
    expect(missing).toEqual([]);
    const azurite = [...graph].filter(([, specifiers]) => specifiers.some((s) => s === "azurite" || s.startsWith("azurite/") || s.includes("embeddedAzurite")));
    expect(azurite).toEqual([]);
    expect(graph.size).toBeGreaterThan(50);
  });

  it("installs production dependencies only: azurite, vitest and typescript are outside the production closure", () => {
    const closure = productionClosure();
    expect(closure.has("@azure/functions")).toBe(true);
    expect(closure.has("@azure/data-tables")).toBe(true);
    for (const devOnly of ["azurite", "vitest", "typescript"]) expect(closure.has(devOnly), devOnly).toBe(false);
  });

  it("survives the remote build: `npm run build` in the package (prebuilt dist/, no sources) succeeds without compiling", () => {
    const pkg = mkdtempSync(join(tmpdir(), "csync-package-"));
    try {
      mkdirSync(join(pkg, "scripts"));
      mkdirSync(join(pkg, "dist/functions"), { recursive: true });
      copyFileSync(join(root, "scripts/build.mjs"), join(pkg, "scripts/build.mjs"));
      writeFileSync(join(pkg, "dist/functions/index.js"), "");
      const output = execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: pkg, encoding: "utf8" });
      expect(output).toMatch(/nothing to compile/);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });
});

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { removePackageNpmrc, writePackageNpmrc } from "../../infra/scripts/package-npmrc.mjs";
import { funcignoreRules } from "../../scripts/funcignore.mjs";

/**
 * The Functions deployment package as azd builds it (docs/deploy.md "What gets deployed"): the repository tree
 * minus .funcignore, uploaded for Azure's remote build, which installs the production dependencies there.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

function packageFiles(): string[] {
  const ignored = funcignoreRules(read(".funcignore"));
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir)).flatMap((name) => {
      const path = dir === "" ? name : `${dir}/${name}`;
      const isDir = statSync(join(root, path)).isDirectory();
      if (name === ".git" || ignored(path, isDir)) return [];
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
  const lock = JSON.parse(read("package-lock.json")) as {
    packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
  };
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
    expect(files).toEqual(
      expect.arrayContaining([
        "host.json",
        "package.json",
        "package-lock.json",
        "dist/functions/index.js",
        "dist/functions/composeServices.js",
        "scripts/build.mjs",
      ]),
    );
    const unwanted = files.filter(
      (file) =>
        /^(node_modules|test|docs|infra|bench|simulator|cli|shared|functions|bin|dist\/(bench|simulator|cli))\//.test(file) ||
        /\.ts$/.test(file) ||
        /^local\.settings/.test(file),
    );
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

  describe("installs production dependencies only in Azure's remote build", () => {
    const devDependencies = Object.keys((JSON.parse(read("package.json")) as { devDependencies: Record<string, string> }).devDependencies);

    /** The package as Oryx receives it (manifests, lock file, build script, a prebuilt dist/), and what `npm install` would add there. */
    function remoteInstall(withHook: boolean): string[] {
      const pkg = mkdtempSync(join(tmpdir(), "csync-remote-"));
      try {
        for (const file of ["package.json", "package-lock.json", "scripts/build.mjs"]) {
          mkdirSync(dirname(join(pkg, file)), { recursive: true });
          copyFileSync(join(root, file), join(pkg, file));
        }
        mkdirSync(join(pkg, "dist/functions"), { recursive: true });
        writeFileSync(join(pkg, "dist/functions/index.js"), "");
        if (withHook) writePackageNpmrc(pkg);
        const plan = execFileSync("npm", ["install", "--dry-run", "--no-audit", "--no-fund"], { cwd: pkg, encoding: "utf8", timeout: 120_000 });
        return [...plan.matchAll(/^add (\S+) /gm)].map((match) => match[1] ?? "");
      } finally {
        rmSync(pkg, { recursive: true, force: true });
      }
    }

    it("with the .npmrc azd's postbuild hook writes, a plain `npm install` adds no devDependency", { timeout: 240_000 }, () => {
      const added = remoteInstall(true);
      expect(added).toEqual(expect.arrayContaining(["@azure/functions", "@azure/data-tables", "zod"]));
      // (@types/node is also a dependency of a production package, so it installs either way.)
      const productionAnyway = productionClosure();
      expect(added.filter((name) => devDependencies.includes(name) && !productionAnyway.has(name))).toEqual([]);
      // Without it, the same install brings azurite, vitest and typescript along: the hook is what keeps them out.
      expect(remoteInstall(false)).toEqual(expect.arrayContaining(["azurite", "vitest", "typescript"]));
    });

    it("writes the .npmrc only into the package, after azd's own build, and takes it away once zipped", () => {
      const yaml = read("azure.yaml");
      expect(yaml).toMatch(/postbuild:\s*\n\s*posix:\s*\n\s*shell: sh\s*\n\s*run: node \.\/infra\/scripts\/package-npmrc\.mjs write/);
      expect(yaml).toMatch(/postpackage:\s*\n\s*posix:\s*\n\s*shell: sh\s*\n\s*run: node \.\/infra\/scripts\/package-npmrc\.mjs remove/);
      // The developer's `npm install` at the root keeps its devDependencies: no .npmrc is committed there.
      expect(existsSync(join(root, ".npmrc")) && readFileSync(join(root, ".npmrc"), "utf8").includes("omit=dev")).toBe(false);
      expect(read(".gitignore").split("\n")).toContain("/.npmrc");
      expect(read(".funcignore").split("\n")).not.toContain(".npmrc");
    });

    it("never replaces or removes an .npmrc the developer keeps", () => {
      const dir = mkdtempSync(join(tmpdir(), "csync-npmrc-"));
      try {
        writeFileSync(join(dir, ".npmrc"), "registry=https://npm.contoso.example/\n");
        expect(() => writePackageNpmrc(dir)).toThrow(/exists and is not the deployment's/);
        removePackageNpmrc(dir);
        expect(readFileSync(join(dir, ".npmrc"), "utf8")).toContain("npm.contoso.example");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

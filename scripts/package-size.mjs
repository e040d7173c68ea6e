// Reproduces Azure's remote build of the Functions package and prints its node_modules size: the repository tree
// minus .funcignore (as azd uploads it), plus the .npmrc azd's postbuild hook adds, then a plain `npm install` as
// Oryx runs it. Needs a built dist/ (npm run build). Usage: node scripts/package-size.mjs [--keep]
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writePackageNpmrc } from "../infra/scripts/package-npmrc.mjs";
import { funcignoreRules } from "./funcignore.mjs";

const root = new URL("..", import.meta.url).pathname;
const ignored = funcignoreRules(readFileSync(join(root, ".funcignore"), "utf8"));

function copyPackage(target) {
  const walk = (dir) => {
    for (const name of readdirSync(join(root, dir))) {
      const path = dir === "" ? name : `${dir}/${name}`;
      const isDir = statSync(join(root, path)).isDirectory();
      if (name === ".git" || ignored(path, isDir)) continue;
      if (isDir) walk(path);
      else cpSync(join(root, path), join(target, path));
    }
  };
  walk("");
}

function sizeOf(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
}

const dir = mkdtempSync(join(tmpdir(), "csync-package-"));
try {
  copyPackage(dir);
  writePackageNpmrc(dir);
  execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  const bytes = sizeOf(join(dir, "node_modules"));
  const packages = readdirSync(join(dir, "node_modules")).length;
  console.log(`deployed node_modules: ${(bytes / 1024 / 1024).toFixed(1)} MiB (${packages} top-level entries) in ${dir}`);
} finally {
  if (!process.argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
}

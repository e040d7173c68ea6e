// azd service hook (azure.yaml): puts an .npmrc with `omit=dev` into the folder azd zips for the Functions app, so
// Oryx's remote build (a plain `npm install`, which honours the folder's .npmrc: docs/service-facts.md) installs
// production dependencies only; and takes it away again afterwards, because at the repository root it would also
// strip the developer's own `npm install` of vitest and typescript.
//   node infra/scripts/package-npmrc.mjs write [dir]    after azd's local build (postbuild)
//   node infra/scripts/package-npmrc.mjs remove [dir]   after azd zipped the package (postpackage)
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const MARKER = "# collection-sync deployment package: production dependencies only (infra/scripts/package-npmrc.mjs)";
const CONTENT = `${MARKER}\nomit=dev\n`;

/** Writes the package's .npmrc; refuses to replace one the developer keeps there. */
export function writePackageNpmrc(dir) {
  const path = join(dir, ".npmrc");
  if (existsSync(path) && !readFileSync(path, "utf8").startsWith(MARKER)) {
    throw new Error(`${path} exists and is not the deployment's: move it away for the deployment (it would ship, and omit=dev could not be added)`);
  }
  writeFileSync(path, CONTENT);
}

/** Removes the package's .npmrc, and only that one. */
export function removePackageNpmrc(dir) {
  const path = join(dir, ".npmrc");
  if (existsSync(path) && readFileSync(path, "utf8").startsWith(MARKER)) rmSync(path);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("package-npmrc.mjs")) {
  const [action, dir = process.cwd()] = process.argv.slice(2);
  if (action === "write") writePackageNpmrc(dir);
  else if (action === "remove") removePackageNpmrc(dir);
  else {
    process.stderr.write("usage: package-npmrc.mjs write|remove [dir]\n");
    process.exit(2);
  }
}

// Assembles the web console into dist/console: index.html (revalidated on every load) and the modules, styles
// and vendor file under assets/<hash of their content>/, so a new build is fetched at once and an unchanged
// one is cached for a year. Input: the modules tsc compiled into dist/console-build; no bundler, no network.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// tsc compiles from the repository root (the console type-checks against the API's wire types in shared/,
// type-only): the console's own modules are under console/src, and nothing else is shipped.
const buildDir = join(root, "dist", "console-build");
const compiled = join(buildDir, "console", "src");
const out = join(root, "dist", "console");
const vendor = join(root, "node_modules", "htm", "preact", "standalone.module.js");

const files = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));

const assets = new Map();
for (const file of files(compiled)) if (file.endsWith(".js")) assets.set(relative(compiled, file), readFileSync(file));
assets.set("styles.css", readFileSync(join(root, "console", "styles.css")));
assets.set("vendor/htm-preact.js", readFileSync(vendor));

const hash = createHash("sha256");
for (const [name, body] of [...assets].sort(([a], [b]) => a.localeCompare(b))) hash.update(name).update(body);
const build = hash.digest("hex").slice(0, 12);

rmSync(out, { recursive: true, force: true });
for (const [name, body] of assets) {
  const target = join(out, "assets", build, name);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, body);
}
writeFileSync(join(out, "index.html"), readFileSync(join(root, "console", "index.html"), "utf8").replaceAll("%BUILD%", build));
rmSync(buildDir, { recursive: true, force: true });
console.log(`console built: dist/console (assets/${build}, ${assets.size} files)`);

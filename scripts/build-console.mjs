// Assembles the web console into dist/console: index.html (revalidated on every load), the favicon, and the
// modules, styles and vendor file under assets/<hash of their content>/, so a new build is fetched at once and
// an unchanged one is cached for a year. Input: the modules tsc compiled into dist/console-build; no bundler, no
// network. Every file also gets brotli (.br) and gzip (.gz) copies, made once here instead of per request.
import { createHash } from "node:crypto";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// tsc compiles from the repository root (the console type-checks against the API's wire types in shared/,
// type-only). What ships: the console's own modules (console/src) and the label tables it shares with the API,
// CSV and notifications (shared/core/labels.ts, pure data importing nothing; test/repo/layering.test.ts), in the
// same folders as in the repository so the modules' relative imports hold.
const buildDir = join(root, "dist", "console-build");
const SHIPPED = ["console/src", "shared/core/labels.js"];
const out = join(root, "dist", "console");
const vendor = join(root, "node_modules", "htm", "preact", "standalone.module.js");

const files = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));

const assets = new Map();
for (const part of SHIPPED) {
  const path = join(buildDir, part);
  for (const file of part.endsWith(".js") ? [path] : files(path)) if (file.endsWith(".js")) assets.set(relative(buildDir, file), readFileSync(file));
}
assets.set("styles.css", readFileSync(join(root, "console", "styles.css")));
assets.set("console/src/vendor/htm-preact.js", readFileSync(vendor));

const hash = createHash("sha256");
for (const [name, body] of [...assets].sort(([a], [b]) => a.localeCompare(b))) hash.update(name).update(body);
const build = hash.digest("hex").slice(0, 12);

let plain = 0;
let gzipped = 0;
let brotli = 0;
/** Writes a file and its compressed copies; the copies only when they are smaller. */
function emit(target, body) {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, body);
  const gz = gzipSync(body, { level: 9 });
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  if (gz.length < body.length) writeFileSync(`${target}.gz`, gz);
  if (br.length < body.length) writeFileSync(`${target}.br`, br);
  plain += body.length;
  gzipped += Math.min(gz.length, body.length);
  brotli += Math.min(br.length, body.length);
}

rmSync(out, { recursive: true, force: true });
for (const [name, body] of assets) emit(join(out, "assets", build, name), body);
emit(join(out, "index.html"), Buffer.from(readFileSync(join(root, "console", "index.html"), "utf8").replaceAll("%BUILD%", build)));
emit(join(out, "favicon.svg"), readFileSync(join(root, "console", "favicon.svg")));
rmSync(buildDir, { recursive: true, force: true });
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`console built: dist/console (assets/${build}, ${assets.size} files; ${kb(plain)}, gzip ${kb(gzipped)}, brotli ${kb(brotli)})`);

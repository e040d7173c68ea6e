// `npm run build`: compiles the TypeScript sources to dist/.
// Azure's remote build (Oryx: `npm install`, then `npm run build`) runs this inside the deployment package, which
// holds the dist/ azd built and no sources (.funcignore): there is nothing to compile, and that is not an error.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

if (!existsSync("tsconfig.build.json")) {
  if (existsSync("dist/functions/index.js")) {
    console.log("build: deployment package with a prebuilt dist/; nothing to compile");
    process.exit(0);
  }
  console.error("build: neither sources (tsconfig.build.json) nor a prebuilt dist/ found");
  process.exit(1);
}
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
process.exit(result.status ?? 1);

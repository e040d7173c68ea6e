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
// The app, then the web console (its own tsconfig: browser code), then the console's hashed asset folder.
for (const args of [[tsc, "-p", "tsconfig.build.json"], [tsc, "-p", "console/tsconfig.json"], ["scripts/build-console.mjs"]]) {
  const result = spawnSync(process.execPath, args, { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

#!/usr/bin/env node
// Thin launcher so `npx collection-sync` works; the CLI itself is compiled TypeScript (npm run build).
import("../dist/cli/main.js").then(
  ({ main }) => main(process.argv.slice(2)).then((code) => process.exit(code)),
  (error) => {
    if (error && error.code === "ERR_MODULE_NOT_FOUND") {
      console.error("collection-sync is not built yet: run `npm run build` (npm install does it for you).");
      process.exit(2);
    }
    throw error;
  },
);

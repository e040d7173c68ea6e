import { defineConfig } from "vitest/config";

/** `npm run test:browser`: the console in headless Chromium against `serve` on the simulated tenant. */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // One browser and one server per file, files one after the other: two cores are shared with everything else.
    fileParallelism: false,
  },
});

import { defineConfig } from "vitest/config";

/** The fault and abuse suite (issue 7): heavier scenarios, run after the unit suite by `npm test`. */
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    globalSetup: ["test/support/azuriteGlobalSetup.ts", "test/faults/support/summaryGlobalSetup.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "threads",
  },
});

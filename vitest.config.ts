import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/faults/**", "test/kerberos/**", "test/browser/**", "node_modules/**", "dist/**"],
    globalSetup: ["test/support/azuriteGlobalSetup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "threads",
  },
});

import { describe, expect, it } from "vitest";

describe("the Functions app entry point", () => {
  it("loads without settings and registers the API, the timer and the queue worker (services are built on first use)", async () => {
    // Outside the Functions host, @azure/functions runs in test mode: registration is a no-op that must not throw,
    // and the composition root must not run at import time (it needs Azure settings).
    await expect(import("../functions/index.js")).resolves.toBeDefined();
  });
});

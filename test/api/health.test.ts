import { describe, expect, it } from "vitest";
import { probeAll } from "../../shared/doctor/health.js";
import { createMappingsApi } from "../../shared/api/router.js";
import { harnessPerTest } from "./apiHarness.js";

const start = harnessPerTest();

describe("health", () => {
  it("answers 200 healthy when storage and Graph answer and nothing is dead-lettered", async () => {
    const harness = await start();
    const answer = await harness.call("GET", "/health");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: "healthy", deadLetterCount: 0 });
    expect(answer.body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ["storage", true],
      ["graph", true],
    ]);
  });

  it("reports dead-lettered jobs as degraded, still 200", async () => {
    const harness = await start();
    harness.queue.deadLetters = 3;
    const answer = await harness.call("GET", "/health");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: "degraded", deadLetterCount: 3 });
  });

  it("reads dead letters at most every 15 s, like the probes: a new count shows after that, never in between", async () => {
    let now = Date.now();
    const harness = await start({ clock: { now: () => now, sleep: async () => {} } });
    expect((await harness.call("GET", "/health")).body).toMatchObject({ status: "healthy", deadLetterCount: 0 });
    harness.queue.deadLetters = 3;
    now += 10_000;
    expect((await harness.call("GET", "/health")).body).toMatchObject({ status: "healthy", deadLetterCount: 0 });
    now += 6_000;
    // Past 15 s the last answer stands in once more while a new reading is made; the next call shows it.
    await harness.call("GET", "/health");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await harness.call("GET", "/health")).body).toMatchObject({ status: "degraded", deadLetterCount: 3 });
  });

  it("answers 503 naming the dependency that is down", async () => {
    const harness = await start();
    await harness.tenant.close();
    const answer = await harness.call("GET", "/health");
    expect(answer.status).toBe(503);
    expect(answer.body.status).toBe("unhealthy");
    expect(answer.body.checks.find((c: { name: string }) => c.name === "graph")).toMatchObject({ ok: false, detail: expect.any(String) });
    expect(answer.body.checks.find((c: { name: string }) => c.name === "storage")).toMatchObject({ ok: true });
  });

  it("answers 503 when the queue cannot count its dead letters", async () => {
    const harness = await start();
    harness.queue.deadLetters = () => {
      throw new Error("Service Bus unreachable");
    };
    const answer = await harness.call("GET", "/health");
    expect(answer.status).toBe(503);
    expect(answer.body.checks).toContainEqual({ name: "deadLetters", ok: false, detail: "Service Bus unreachable" });
  });

  it("fails a probe that hangs instead of hanging the health check", async () => {
    const report = await probeAll({ stuck: () => new Promise(() => {}), fine: async () => 1 }, 50);
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ["stuck", false],
      ["fine", true],
    ]);
  });

  it("never shows internals when something unexpected fails", async () => {
    const harness = await start();
    const api = createMappingsApi({
      ...harness.deps,
      health: () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.4:443 AccountKey=secret")),
    });
    const answer = await api.handle({ method: "GET", path: "/health", query: new URLSearchParams(), headers: {} });
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.jsonBody)).not.toMatch(/ECONNREFUSED|secret/);
    expect(answer.jsonBody).toMatchObject({ type: "https://collection-sync.dev/problems/internal" });
    expect(harness.logs.find((entry) => entry.level === "error")?.properties.error).toMatch(/ECONNREFUSED/);
  });
});

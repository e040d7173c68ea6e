import { describe, expect, it } from "vitest";
import { createMappingsApi } from "../../shared/api/router.js";
import { createMonitorDeadLetterCounter, resourceManagerFor } from "../../shared/queue/monitorDeadLetterCounter.js";
import { createServiceBusJobQueue } from "../../shared/queue/serviceBusJobQueue.js";
import type { Clock } from "../../shared/core/ports/clock.js";
import { harnessPerTest } from "../api/apiHarness.js";
import { deadLetterSeries, fakeMetricsClient, restError } from "./fakeMetricsClient.js";
import { fakeServiceBusSender } from "./fakeServiceBusSender.js";

// Azure Monitor cannot run here, so these tests read the metric through fakeMetricsClient (see its comment).
const NAMESPACE_ID = "/subscriptions/0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5/resourceGroups/rg-collsync/providers/Microsoft.ServiceBus/namespaces/sb-csync-abc";
const NOW = Date.parse("2025-03-10T09:20:00.000Z");

function fakeClock(start = NOW): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, sleep: async () => {}, advance: (ms) => void (now += ms) };
}

function counterOver(metrics: ReturnType<typeof fakeMetricsClient>, clock: Clock = fakeClock()) {
  return createMonitorDeadLetterCounter({ namespaceResourceId: NAMESPACE_ID, metrics, clock });
}

describe("dead-letter count from Azure Monitor (Monitoring Reader, no Service Bus Data Owner)", () => {
  it("asks for DeadletteredMessages of this queue only, per minute, over the last 15 minutes", async () => {
    const metrics = fakeMetricsClient([deadLetterSeries("sync-jobs", new Date(NOW - 15 * 60_000), [0])]);
    await counterOver(metrics).deadLetterCount("sync-jobs");

    expect(metrics.queries).toHaveLength(1);
    const [query] = metrics.queries;
    expect(query?.resourceUri).toBe(NAMESPACE_ID);
    expect(query?.metricNames).toEqual(["DeadletteredMessages"]);
    expect(query?.options).toMatchObject({
      metricNamespace: "Microsoft.ServiceBus/namespaces",
      filter: "EntityName eq 'sync-jobs'",
      aggregations: ["Maximum"],
      granularity: "PT1M",
      timespan: { startTime: new Date(NOW - 15 * 60_000), endTime: new Date(NOW) },
    });
    expect(query?.options.abortSignal).toBeDefined();
  });

  it("reports the newest minute that has data, since the last minutes are still empty while metrics lag", async () => {
    const metrics = fakeMetricsClient([deadLetterSeries("sync-jobs", new Date(NOW - 5 * 60_000), [1, 2, 3, undefined, undefined])]);
    expect(await counterOver(metrics).deadLetterCount("sync-jobs")).toBe(3);
  });

  it("reports 0 when the metric says the dead-letter queue is empty", async () => {
    const metrics = fakeMetricsClient([deadLetterSeries("sync-jobs", new Date(NOW - 3 * 60_000), [2, 0, undefined])]);
    expect(await counterOver(metrics).deadLetterCount("sync-jobs")).toBe(0);
  });

  it("says unknown (null), not 0, when the window holds no data point", async () => {
    const empty = fakeMetricsClient([{ name: "DeadletteredMessages", timeseries: [] }]);
    expect(await counterOver(empty).deadLetterCount("sync-jobs")).toBeNull();
    const gaps = fakeMetricsClient([deadLetterSeries("sync-jobs", new Date(NOW - 2 * 60_000), [undefined, undefined])]);
    expect(await counterOver(gaps).deadLetterCount("sync-jobs")).toBeNull();
  });

  it("counts only this queue's series when another entity's comes back too", async () => {
    const other = deadLetterSeries("other-queue", new Date(NOW - 60_000), [7]);
    const ours = deadLetterSeries("sync-jobs", new Date(NOW - 120_000), [1]);
    const metrics = fakeMetricsClient([{ ...ours, timeseries: [...other.timeseries, ...ours.timeseries] }]);
    expect(await counterOver(metrics).deadLetterCount("sync-jobs")).toBe(1);
  });

  it("escapes a quote in the queue name inside the filter", async () => {
    const metrics = fakeMetricsClient([deadLetterSeries("it's", new Date(NOW - 60_000), [0])]);
    expect(await counterOver(metrics).deadLetterCount("it's")).toBe(0);
    expect(metrics.queries[0]?.options.filter).toBe("EntityName eq 'it''s'");
  });

  it("fails with a sentence naming the missing role when Azure Monitor refuses, without the error body's ids", async () => {
    const metrics = fakeMetricsClient(
      restError(
        403,
        "AuthorizationFailed",
        `The client 'x' with object id 'y' does not have authorization to perform action 'microsoft.insights/metrics/read' over scope '${NAMESPACE_ID}'`,
      ),
    );
    const failure = await counterOver(metrics)
      .deadLetterCount("sync-jobs")
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^Azure Monitor answered 403 AuthorizationFailed reading DeadletteredMessages: .*Monitoring Reader/);
    expect((failure as Error).message).not.toMatch(/subscriptions|object id/);
  });

  it("fails when Azure Monitor reports an error for the metric itself", async () => {
    const metrics = fakeMetricsClient([{ name: "DeadletteredMessages", errorCode: "BadRequest", errorMessage: "Metric not supported", timeseries: [] }]);
    await expect(counterOver(metrics).deadLetterCount("sync-jobs")).rejects.toThrow(
      "Azure Monitor could not read DeadletteredMessages: BadRequest Metric not supported",
    );
  });

  it("fails as a timeout when the query is aborted for taking too long", async () => {
    const aborted = Object.assign(new Error("The operation was aborted."), { name: "AbortError" });
    await expect(counterOver(fakeMetricsClient(aborted)).deadLetterCount("sync-jobs")).rejects.toThrow("Azure Monitor did not answer within 5000 ms");
  });

  it("asks Azure Monitor at most once a minute, and again right after a failure", async () => {
    const clock = fakeClock();
    const metrics = fakeMetricsClient(restError(503, "ServiceUnavailable", "busy"));
    const counter = counterOver(metrics, clock);
    await expect(counter.deadLetterCount("sync-jobs")).rejects.toThrow("Azure Monitor answered 503 ServiceUnavailable");

    metrics.answer = [deadLetterSeries("sync-jobs", new Date(NOW - 60_000), [4])];
    expect(await counter.deadLetterCount("sync-jobs")).toBe(4);
    clock.advance(59_000);
    metrics.answer = [deadLetterSeries("sync-jobs", new Date(NOW), [5])];
    expect(await counter.deadLetterCount("sync-jobs")).toBe(4);
    expect(metrics.queries).toHaveLength(2);

    clock.advance(1_000);
    expect(await counter.deadLetterCount("sync-jobs")).toBe(5);
    expect(metrics.queries).toHaveLength(3);
  });

  it("reaches the Azure Resource Manager of the namespace's cloud", () => {
    expect(resourceManagerFor("sb-csync-abc.servicebus.windows.net")).toBe("https://management.azure.com");
    expect(resourceManagerFor("sb-csync-abc.servicebus.usgovcloudapi.net")).toBe("https://management.usgovcloudapi.net");
    expect(resourceManagerFor("sb://sb-csync-abc.servicebus.chinacloudapi.cn/")).toBe("https://management.chinacloudapi.cn");
  });
});

describe("the Service Bus job queue with a dead-letter counter", () => {
  const start = harnessPerTest();

  it("answers deadLetterCount() from the counter, for its own queue", async () => {
    const metrics = fakeMetricsClient([deadLetterSeries("sync-jobs", new Date(NOW - 60_000), [2])]);
    const queue = createServiceBusJobQueue({ sender: fakeServiceBusSender(), queueName: "sync-jobs", deadLetterCounter: counterOver(metrics) });
    expect(await queue.deadLetterCount()).toBe(2);
    expect(metrics.queries[0]?.options.filter).toBe("EntityName eq 'sync-jobs'");
  });

  it("refuses to count from runtime properties and from a counter at once", () => {
    const counter = counterOver(fakeMetricsClient());
    const runtime = { getQueueRuntimeProperties: async () => ({ deadLetterMessageCount: 3 }) };
    expect(() =>
      createServiceBusJobQueue({ sender: fakeServiceBusSender(), runtime, queueName: "sync-jobs", countDeadLetters: true, deadLetterCounter: counter }),
    ).toThrow("not both");
  });

  it("shows the count in GET /health: degraded while jobs wait in the dead-letter queue", async () => {
    const harness = await start();
    const metrics = fakeMetricsClient([deadLetterSeries("sync-jobs", new Date(NOW - 60_000), [3])]);
    const queue = createServiceBusJobQueue({ sender: fakeServiceBusSender(), queueName: "sync-jobs", deadLetterCounter: counterOver(metrics) });
    const api = createMappingsApi({ ...harness.deps, queue });
    const answer = await api.handle({ method: "GET", path: "/health", query: new URLSearchParams(), headers: {}, body: null });
    expect(answer.status).toBe(200);
    expect(answer.jsonBody).toMatchObject({ status: "degraded", deadLetterCount: 3 });
  });

  it("turns a refused metric read into a failed deadLetters check in GET /health", async () => {
    const harness = await start();
    const metrics = fakeMetricsClient(restError(403, "AuthorizationFailed", "The client 'x' does not have authorization"));
    const queue = createServiceBusJobQueue({ sender: fakeServiceBusSender(), queueName: "sync-jobs", deadLetterCounter: counterOver(metrics) });
    const api = createMappingsApi({ ...harness.deps, queue });
    const answer = await api.handle({ method: "GET", path: "/health", query: new URLSearchParams(), headers: {}, body: null });
    expect(answer.status).toBe(503);
    expect(answer.jsonBody).toMatchObject({ status: "unhealthy", deadLetterCount: null });
    expect(answer.jsonBody).toMatchObject({
      checks: expect.arrayContaining([{ name: "deadLetters", ok: false, detail: expect.stringMatching(/^Azure Monitor answered 403 .*Monitoring Reader/) }]),
    });
  });
});

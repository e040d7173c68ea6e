import functions from "@azure/functions";
import { afterEach, describe, expect, it } from "vitest";
import { makeSyncWorkerHandler } from "../../functions/syncWorker.js";
import { silentLogger } from "../../shared/logger.js";
import { createInProcessJobQueue } from "../../shared/queue/inProcessJobQueue.js";
import { systemClock } from "../../shared/core/ports/clock.js";
import { syncMapping } from "../../shared/sync/syncMapping.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { startSyncHarness, type SyncHarness } from "../support/syncHarness.js";

let harness: SyncHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("the syncWorker function, end to end", () => {
  it("takes a Service Bus message body and syncs that mapping with the real engine, simulator and Azurite", async () => {
    harness = await startSyncHarness({ seed: scenarioSeed({ collection: range(1, 12).map((n) => entraDevice(n)) }) });
    await harness.addMapping({ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID });
    const deps = harness.deps;
    // The Service Bus namespace is the one part that cannot run here: the re-schedule target is an in-process queue.
    const queue = createInProcessJobQueue({ clock: systemClock, log: silentLogger, concurrency: 1, handler: async () => {} });
    const handler = makeSyncWorkerHandler(async () => ({ sync: deps, queue, runSync: (request) => syncMapping(deps, request) }));
    const lines: string[] = [];
    const context = new functions.InvocationContext({
      functionName: "syncWorker",
      invocationId: "6a1e0b6c-2f43-4a0e-9a55-1d2c3b4a5f60",
      logHandler: (_level, ...args) => void lines.push(args.map(String).join(" ")),
    });
    // As the Service Bus SDK delivers a JSON body: bytes.
    const body = Buffer.from(
      JSON.stringify({
        jobId: `${DEVICE_COLLECTION}_${GROUP_ID}_202611250905`,
        collectionId: DEVICE_COLLECTION,
        groupId: GROUP_ID,
        trigger: "schedule",
        enqueuedAt: "2026-11-25T09:05:00Z",
        attempt: 0,
      }),
    );

    const outcome = await handler(body, context);

    expect(outcome).toMatchObject({ kind: "completed" });
    expect(harness.tenant.groupMemberIds(GROUP_ID)).toHaveLength(12);
    const history = await harness.stores.runs.list(`${DEVICE_COLLECTION}_${GROUP_ID}`);
    expect(history.items[0]).toMatchObject({ status: "succeeded", trigger: "schedule", counts: { added: 12 } });
    expect(lines.join("\n")).toContain("sync job finished");
    await queue.close();
  });
});

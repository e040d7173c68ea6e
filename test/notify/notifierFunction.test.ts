import functions, { type Timer } from "@azure/functions";
import { afterEach, describe, expect, it } from "vitest";
import { makeNotifierHandler } from "../../functions/notifier.js";
import { silentLogger } from "../../shared/logger.js";
import { createInProcessJobQueue } from "../../shared/queue/inProcessJobQueue.js";
import { fakeClock } from "../scheduling/fakeClock.js";
import { freshStores } from "../storage/freshStores.js";
import { testNotifications } from "./testNotifications.js";
import { startLocalReceiver, type LocalReceiver } from "./localReceiver.js";

let receiver: LocalReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
const context = () => new functions.InvocationContext({ functionName: "notifier", invocationId: "8c1d2e3f-0000-4000-8000-000000000001", logHandler: () => {} });

describe("the notifier timer function", () => {
  it("does nothing when no receiver is configured", async () => {
    const clock = fakeClock();
    const queue = createInProcessJobQueue({ clock, log: silentLogger, concurrency: 1, handler: async () => {} });
    expect(await makeNotifierHandler(async () => ({ notifications: null, notifierSources: { queue } }))(timer, context())).toBeNull();
  });

  it("reports new dead letters and delivers them in the same tick", async () => {
    receiver = await startLocalReceiver();
    const clock = fakeClock();
    const queue = createInProcessJobQueue({
      clock,
      log: silentLogger,
      concurrency: 1,
      maxDeliveryCount: 1,
      handler: async () => Promise.reject(new Error("down")),
    });
    await queue.send([
      {
        jobId: "j1",
        collectionId: "PS100020",
        groupId: "00000009-0000-4000-8000-000000000001",
        trigger: "schedule",
        enqueuedAt: new Date(clock.now()).toISOString(),
        attempt: 0,
      },
    ]);
    await queue.drain();
    const notifications = testNotifications({ receivers: [{ format: "teams", url: `${receiver.url}/flow` }], outbox: freshStores().notifications, clock });
    const result = await makeNotifierHandler(async () => ({ notifications, notifierSources: { queue } }))(timer, context());
    expect(result).toMatchObject({ delivery: { attempted: 1, sent: 1 }, watchErrors: [] });
    expect(JSON.stringify(receiver.delivered[0]?.body)).toContain("Sync jobs dead-lettered: 1 new, 1 waiting");
    await queue.close();
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/logger.js";
import type { Notification } from "../../shared/notify/notification.js";
import type { Notifications } from "../../shared/notify/notifications.js";
import type { WebhookReceiver } from "../../shared/config/webhookReceiver.js";
import type { TableStores } from "../../shared/storage/tableStores.js";
import { approveBlockedChange } from "../../shared/sync/approval.js";
import { fakeClock, type FakeClock } from "../scheduling/fakeClock.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { startSyncHarness, type SyncHarness } from "../support/syncHarness.js";
import { testNotifications } from "./testNotifications.js";
import { startLocalReceiver, type LocalReceiver } from "./localReceiver.js";

const ref = { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID };
const devices = range(1, 30).map((n) => entraDevice(n));

let harness: SyncHarness | undefined;
let receiver: LocalReceiver | undefined;
afterEach(async () => {
  await harness?.close();
  await receiver?.close();
  harness = undefined;
  receiver = undefined;
});

interface World {
  readonly harness: SyncHarness;
  readonly receiver: LocalReceiver;
  readonly notifications: Notifications;
  readonly clock: FakeClock;
  /** One delivery round, then what the receiver got in it (generic JSON documents). */
  deliver(): Promise<Notification[]>;
}

/** The real engine against the simulated tenant and Azurite, notifying a generic JSON receiver on loopback. */
async function world(options: { notify?: boolean } = {}): Promise<World> {
  const clock = fakeClock();
  receiver = await startLocalReceiver();
  const receivers: WebhookReceiver[] = [{ format: "json", url: `${receiver.url}/hook` }];
  let notifications: Notifications | undefined;
  harness = await startSyncHarness({
    seed: scenarioSeed({ collection: devices, groupMembers: [] }),
    clock,
    notifier: (stores: TableStores) => {
      notifications = testNotifications({ receivers, outbox: stores.notifications, clock, links: { baseUrl: "https://csync.contoso.example" } });
      return notifications.notifier;
    },
  });
  await harness.addMapping({ ...ref, mode: "managed", notify: options.notify ?? true });
  const local = receiver;
  const made = notifications!;
  return {
    harness,
    receiver: local,
    notifications: made,
    clock,
    async deliver() {
      const before = local.delivered.length;
      await made.deliver();
      return local.delivered.slice(before).map((post) => post.body as Notification);
    },
  };
}

/** Run after run a minute or more apart, as the scheduler would (failures closer together count once). */
async function syncLater(w: World) {
  w.clock.advance(2 * 60_000);
  return w.harness.sync(ref);
}

/** 25 of 30 members leave the collection: more than 20 % of the group, so managed mode holds the removals back. */
async function shrinkCollection(w: World) {
  w.harness.tenant.setCollectionMembers(
    DEVICE_COLLECTION,
    devices.slice(0, 5).map((d) => d.system.ResourceId),
  );
}

describe("state-change notifications", () => {
  it("sends one 'blocked' with the guard, the counts, the first held-back members by name and how to approve, nothing while it stays blocked, one 'recovered' after approval", async () => {
    const w = await world();
    expect((await syncLater(w)).status).toBe("succeeded");
    expect(await w.deliver()).toEqual([]);
    await shrinkCollection(w);

    expect((await syncLater(w)).status).toBe("blocked");
    const [blocked, ...others] = await w.deliver();
    expect(others).toEqual([]);
    expect(blocked).toMatchObject({
      type: "collection-sync.notification",
      kind: "blocked",
      mapping: { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "managed" },
      details: { guard: "removal-threshold", removeCount: 25, groupBefore: 30, source: 5 },
    });
    // The members it would remove have left the collection, so Entra names them (device displayName).
    const named = blocked!.facts.find((fact) => fact.name === "First 10 held back");
    const leaving = new Set(devices.slice(5).map((d) => d.system.Name));
    expect(named?.value.split(", ").filter((name) => leaving.has(name))).toHaveLength(10);
    expect(blocked!.actions).toContainEqual(
      expect.objectContaining({ command: expect.stringContaining(`collection-sync mappings approve --collection ${DEVICE_COLLECTION} --group ${GROUP_ID}`) }),
    );
    expect(blocked!.actions).toContainEqual(
      expect.objectContaining({ url: `https://csync.contoso.example/api/mappings/${DEVICE_COLLECTION}/${GROUP_ID}/preview` }),
    );

    expect((await syncLater(w)).status).toBe("blocked");
    expect(await w.deliver()).toEqual([]);

    await approveBlockedChange({ state: w.harness.stores.state, clock: w.clock, log: silentLogger }, ref, "admin@contoso.com");
    expect((await syncLater(w)).status).toBe("succeeded");
    const recovered = await w.deliver();
    expect(recovered).toMatchObject([{ kind: "recovered", details: { was: "blocked (removal-threshold)", removed: 25 } }]);
    expect(w.receiver.requests).toHaveLength(2);
  });

  it("sends one 'degraded' at the third failure, one 'quarantined' at the tenth, nothing in between or after, and one 'recovered'", async () => {
    const w = await world();
    await syncLater(w);
    w.harness.tenant.deleteGroup(GROUP_ID);
    const kinds: string[][] = [];
    for (let run = 1; run <= 12; run += 1) {
      expect((await syncLater(w)).status).toBe("failed");
      kinds.push((await w.deliver()).map((n) => n.kind));
    }
    expect(kinds.map((k, i) => [i + 1, k]).filter(([, k]) => (k as string[]).length > 0)).toEqual([
      [3, ["degraded"]],
      [10, ["quarantined"]],
    ]);
    const quarantined = w.receiver.delivered[1]!.body as Notification;
    expect(quarantined.details).toMatchObject({ consecutiveFailures: 10, lastError: "group-not-found" });
    expect(quarantined.actions).toContainEqual(expect.objectContaining({ command: expect.stringContaining("--enabled true") }));

    w.harness.tenant.addGroup({ id: GROUP_ID, displayName: "Autopilot Devices" });
    expect((await syncLater(w)).status).toBe("succeeded");
    expect((await w.deliver()).map((n) => n.kind)).toEqual(["recovered"]);
  });

  it("sends nothing for a mapping that opted out", async () => {
    const w = await world({ notify: false });
    await syncLater(w);
    await shrinkCollection(w);
    expect((await syncLater(w)).status).toBe("blocked");
    expect(await w.deliver()).toEqual([]);
    expect(await w.harness.stores.notifications.list()).toEqual([]);
    expect(w.receiver.requests).toEqual([]);
  });

  it("stores a state change reported twice (a redelivered job, two workers) once", async () => {
    const w = await world();
    await syncLater(w);
    await shrinkCollection(w);
    await syncLater(w);
    const [entry] = await w.harness.stores.notifications.list();
    await w.notifications.notifier.publish([entry!.notification]);
    expect(await w.deliver()).toHaveLength(1);
    expect(await w.harness.stores.notifications.list()).toHaveLength(1);
  });

  it("never fails or slows a sync when the receiver is down, and shows the failure in health", async () => {
    const w = await world();
    await syncLater(w);
    w.receiver.behave({ answer: "fail", status: 500 });
    await shrinkCollection(w);
    expect((await syncLater(w)).status).toBe("blocked");
    expect(await w.deliver()).toEqual([]);

    const health = await w.notifications.health();
    expect(health).toMatchObject({ pending: 1, gaveUp: 0, failing: true, lastSentAt: null, receivers: [`json 127.0.0.1:${new URL(w.receiver.url).port}`] });
    expect(health.lastFailure).toMatchObject({ kind: "blocked", error: expect.stringContaining("answered 500") });
    expect(health.lastFailure?.error).not.toContain("/hook");
  });
});

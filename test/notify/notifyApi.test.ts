import { afterEach, describe, expect, it } from "vitest";
import { createMappingsApi } from "../../shared/api/router.js";
import { stateChangeNotifications } from "../../shared/notify/stateChanges.js";
import { harnessPerTest } from "../api/apiHarness.js";
import { COLLECTIONS, GROUPS } from "../api/apiSeed.js";
import { WRITER } from "../api/principals.js";
import { finishedRun } from "../api/runFixture.js";
import type { SyncRun } from "../../shared/core/syncRun.js";
import { testNotifications } from "./testNotifications.js";
import { startLocalReceiver, type LocalReceiver } from "./localReceiver.js";

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true } });
const pilot = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };
const pilotPath = `/mappings/${pilot.collectionId}/${pilot.groupId}`;

let receiver: LocalReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe("the per-mapping notification opt-out (API)", () => {
  it("notifies by default, takes notify: false on create and PATCH, and stores it", async () => {
    const h = await start();
    const created = await h.call("POST", "/mappings", { headers: WRITER, body: pilot });
    expect(created.body.notify).toBe(true);
    const patched = await h.call("PATCH", pilotPath, { headers: WRITER, body: { notify: false } });
    expect(patched.status).toBe(200);
    expect((await h.call("GET", pilotPath, { headers: WRITER })).body.notify).toBe(false);
    expect((await h.stores.mappings.get(pilot))?.notify).toBe(false);
  });

  it("refuses a notify that is not true or false with 400 and changes nothing", async () => {
    const h = await start();
    await h.call("POST", "/mappings", { headers: WRITER, body: { ...pilot, notify: false } });
    const refused = await h.call("PATCH", pilotPath, { headers: WRITER, body: { notify: "no" } });
    expect(refused.status).toBe(400);
    expect(refused.headers["content-type"]).toContain("application/problem+json");
    expect(JSON.stringify(refused.body)).toContain("notify");
    expect((await h.stores.mappings.get(pilot))?.notify).toBe(false);
  });
});

describe("notifications in /api/health", () => {
  it("shows pending notifications and the receiver's last failure, and reports the app degraded (200), not down", async () => {
    const h = await start();
    receiver = await startLocalReceiver();
    receiver.behave({ answer: "fail", status: 500 });
    const notifications = testNotifications({
      receivers: [{ format: "slack", url: `${receiver.url}/services/T000/B000/secret` }],
      outbox: h.stores.notifications,
      clock: h.deps.clock,
    });
    const api = createMappingsApi({ ...h.deps, notificationHealth: () => notifications.health() });
    const mapping = (await h.call("POST", "/mappings", { headers: WRITER, body: pilot })).body;
    const state = await h.stores.state.get(`${pilot.collectionId}_${pilot.groupId}`);
    const failedRun: SyncRun = {
      ...finishedRun(pilot, Date.now(), "r1"),
      status: "failed",
      message: "Group gone.",
      errors: [{ code: "group-not-found", message: "gone" }],
    };
    await notifications.notifier.publish(
      stateChangeNotifications({ before: state, after: { ...state, health: "degraded", consecutiveFailures: 3 }, run: failedRun, mapping }, { baseUrl: null }),
    );
    await notifications.deliver();

    const answer = await api.handle({ method: "GET", path: "/health", query: new URLSearchParams(), headers: WRITER });
    expect(answer.status).toBe(200);
    const body = answer.jsonBody as { status: string; notifications: Record<string, unknown> };
    expect(body.status).toBe("degraded");
    expect(body.notifications).toMatchObject({ pending: 1, failing: true, lastFailure: { kind: "degraded", error: expect.stringContaining("answered 500") } });
    expect(JSON.stringify(body)).not.toContain("secret");
  });
});

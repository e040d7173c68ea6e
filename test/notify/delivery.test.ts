import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/logger.js";
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from "../../shared/notify/deliverNotifications.js";
import type { Notification } from "../../shared/notify/notification.js";
import type { Notifications } from "../../shared/notify/notifications.js";
import type { WebhookReceiver } from "../../shared/config/webhookReceiver.js";
import { createInProcessJobQueue } from "../../shared/queue/inProcessJobQueue.js";
import type { TableStores } from "../../shared/storage/tableStores.js";
import { fakeClock, type FakeClock } from "../scheduling/fakeClock.js";
import { freshStores } from "../storage/freshStores.js";
import { testNotifications } from "./testNotifications.js";
import { startLocalReceiver, type LocalReceiver } from "./localReceiver.js";

let receiver: LocalReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const TIMEOUT_MS = 300;

function blockedNotification(n: number): Notification {
  return {
    key: `blocked_PS100020_00000009-0000-4000-8000-00000000000${n}_first`,
    kind: "blocked",
    severity: "attention",
    at: "2025-03-10T09:05:00.000Z",
    title: `Removals held back: Autopilot devices → Group ${n}`,
    text: "Removing 25 of 30 members is more than 20 % of the group. Check the preview; if the removals are right, approve them once.",
    facts: [
      { name: "Guard", value: "removal-threshold" },
      { name: "Removals held back", value: "25" },
    ],
    mapping: {
      collectionId: "PS100020",
      groupId: `00000009-0000-4000-8000-00000000000${n}`,
      collectionName: "Autopilot devices",
      groupName: `Group ${n}`,
      tenantId: null,
      mode: "managed",
    },
    details: { guard: "removal-threshold", removeCount: 25 },
    actions: [
      {
        title: "Preview the change",
        url: "https://csync.contoso.example/api/mappings/PS100020/x/preview",
        command: "collection-sync sync --collection PS100020 --group x --dry-run",
      },
      { title: "Approve once", command: "collection-sync mappings approve --collection PS100020 --group x" },
    ],
  };
}

interface Setup {
  readonly notifications: Notifications;
  readonly stores: TableStores;
  readonly clock: FakeClock;
  readonly receiver: LocalReceiver;
}

async function setup(
  paths: ReadonlyArray<Pick<WebhookReceiver, "format"> & { path: string }> = [{ format: "json", path: "/hook" }],
  policy: Partial<DeliveryPolicy> = {},
): Promise<Setup> {
  receiver = await startLocalReceiver();
  const clock = fakeClock();
  const stores = freshStores();
  const local = receiver;
  const notifications = testNotifications({
    receivers: paths.map(({ format, path }) => ({ format, url: `${local.url}${path}` })),
    outbox: stores.notifications,
    clock,
    timeoutMs: TIMEOUT_MS,
    policy,
  });
  return { notifications, stores, clock, receiver: local };
}

describe("notification delivery", () => {
  it("posts each format's documented shape: Teams Workflows card envelope, Slack text + blocks, generic JSON", async () => {
    const { notifications, receiver: local } = await setup([
      { format: "teams", path: "/teams" },
      { format: "slack", path: "/slack" },
      { format: "json", path: "/json" },
    ]);
    await notifications.notifier.publish([blockedNotification(1)]);
    expect(await notifications.deliver()).toMatchObject({ attempted: 1, sent: 1 });

    const byPath = Object.fromEntries(local.delivered.map((post) => [post.path, post]));
    expect(local.delivered).toHaveLength(3);
    expect(byPath["/teams"]?.contentType).toBe("application/json");
    expect(byPath["/teams"]?.body).toMatchObject({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          content: {
            type: "AdaptiveCard",
            version: "1.4",
            body: expect.arrayContaining([expect.objectContaining({ type: "TextBlock", text: "Removals held back: Autopilot devices → Group 1" })]),
            actions: [{ type: "Action.OpenUrl", title: "Preview the change", url: "https://csync.contoso.example/api/mappings/PS100020/x/preview" }],
          },
        },
      ],
    });
    const slack = byPath["/slack"]?.body as { text: string; blocks: Array<{ type: string; text?: { text: string } }> };
    expect(slack.text).toContain("Removals held back");
    expect(slack.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "Removals held back: Autopilot devices → Group 1" } });
    expect(JSON.stringify(slack.blocks)).toContain("collection-sync mappings approve --collection PS100020 --group x");
    expect(byPath["/json"]?.body).toMatchObject({ type: "collection-sync.notification", version: 1, kind: "blocked", details: { removeCount: 25 } });
  });

  it("shows hostile collection and group names as plain text in Teams and Slack: no @channel, no link, no formatting", async () => {
    const { notifications, receiver: local } = await setup([
      { format: "teams", path: "/teams" },
      { format: "slack", path: "/slack" },
    ]);
    const name = "<!channel> [Approve now](https://evil.example) **urgent** _x_ `y` ~z~ & <https://evil.example>";
    const base = blockedNotification(1);
    await notifications.notifier.publish([
      {
        ...base,
        title: `Removals held back: ${name} → Group 1`,
        text: `Removing 25 members from ${name}.`,
        facts: [
          { name: "Collection", value: name },
          { name: "Group", value: "- 1. #not a list" },
          { name: "Version", value: "1.5" },
        ],
        actions: [...base.actions, { title: "Approve once", command: `collection-sync mappings approve --collection ${name}` }],
      },
    ]);
    expect(await notifications.deliver()).toMatchObject({ attempted: 1, sent: 1 });
    const byPath = Object.fromEntries(local.delivered.map((post) => [post.path, post.body]));

    // Slack: &, < and > are its control characters, in the top-level text as in every mrkdwn block.
    const slack = byPath["/slack"] as { text: string; blocks: unknown[] };
    const slackEscaped = "&lt;!channel&gt; [Approve now](https://evil.example) **urgent** _x_ `y` ~z~ &amp; &lt;https://evil.example&gt;";
    expect(slack.text).toBe(`Removals held back: ${slackEscaped} → Group 1: Removing 25 members from ${slackEscaped}.`);
    // A header is plain_text, shown as typed; every mrkdwn text carries the escaped name.
    const mrkdwn = JSON.stringify(slack.blocks).match(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"/g) ?? [];
    expect(mrkdwn.filter((text) => text.includes("!channel"))).toHaveLength(3);
    for (const text of mrkdwn) expect(text).not.toMatch(/<!channel>|<https:\/\/evil/);

    // Teams: TextBlock text and FactSet titles and values are markdown; each metacharacter is backslash-escaped.
    const card = (byPath["/teams"] as { attachments: Array<{ content: { body: Array<Record<string, unknown>> } }> }).attachments[0]!.content;
    const teamsEscaped = "\\<!channel\\> \\[Approve now\\](https://evil.example) \\*\\*urgent\\*\\* \\_x\\_ \\`y\\` \\~z\\~ \\& \\<https://evil.example\\>";
    const texts = card.body.flatMap((element) =>
      element.type === "TextBlock"
        ? [element.text]
        : ((element.facts as Array<{ title: string; value: string }> | undefined) ?? []).flatMap((fact) => [fact.title, fact.value]),
    );
    expect(texts).toContain(`Removals held back: ${teamsEscaped} → Group 1`);
    expect(texts).toContain(`Removing 25 members from ${teamsEscaped}.`);
    expect(texts).toContain(teamsEscaped);
    expect(texts).toContain("\\- 1. #not a list");
    expect(texts).toContain("1.5");
    expect(texts).toContain(`collection-sync mappings approve --collection ${teamsEscaped}`);
  });

  it("retries a failing receiver (500) with growing back-off, then gives up and records it", async () => {
    const { notifications, clock, receiver: local } = await setup([{ format: "json", path: "/hook" }], { maxAttempts: 3, baseDelayMs: 30_000 });
    local.behave({ answer: "fail", status: 500 });
    await notifications.notifier.publish([blockedNotification(1)]);

    expect(await notifications.deliver()).toMatchObject({ attempted: 1, retrying: 1 });
    clock.advance(29_000);
    expect(await notifications.deliver()).toMatchObject({ attempted: 0 }); // back-off not over
    clock.advance(1_000);
    expect(await notifications.deliver()).toMatchObject({ attempted: 1, retrying: 1 });
    clock.advance(59_000);
    expect(await notifications.deliver()).toMatchObject({ attempted: 0 }); // the second wait doubled
    clock.advance(1_000);
    expect(await notifications.deliver()).toMatchObject({ attempted: 1, gaveUp: 1 });
    clock.advance(60 * 60_000);
    expect(await notifications.deliver()).toMatchObject({ attempted: 0 });

    expect(local.requests).toHaveLength(3);
    expect(await notifications.health()).toMatchObject({
      pending: 0,
      gaveUp: 1,
      failing: true,
      lastFailure: { kind: "blocked", error: expect.stringContaining("answered 500") },
    });
  });

  it("gives up at once on a refusal that will not change (404: the flow was deleted)", async () => {
    const { notifications, receiver: local } = await setup();
    local.behave({ answer: "fail", status: 404, body: "WorkflowNotFound" });
    await notifications.notifier.publish([blockedNotification(1)]);
    expect(await notifications.deliver()).toMatchObject({ attempted: 1, gaveUp: 1 });
    expect((await notifications.health()).lastFailure?.error).toContain('answered 404 "WorkflowNotFound"');
  });

  it("waits as long as a 429's Retry-After says, then delivers", async () => {
    const { notifications, clock, receiver: local } = await setup();
    local.behave({ answer: "throttle", retryAfter: "120" });
    await notifications.notifier.publish([blockedNotification(1)]);
    expect(await notifications.deliver()).toMatchObject({ attempted: 1, retrying: 1 });
    local.behave({ answer: "ok" });
    clock.advance(119_000);
    expect(await notifications.deliver()).toMatchObject({ attempted: 0 });
    clock.advance(1_000);
    expect(await notifications.deliver()).toMatchObject({ attempted: 1, sent: 1 });
    expect(local.delivered).toHaveLength(1);
    expect(await notifications.health()).toMatchObject({ pending: 0, failing: false, lastSentAt: expect.any(String) });
  });

  it("bounds a hanging receiver to one timeout per round, however many notifications wait", async () => {
    const { notifications, receiver: local } = await setup();
    local.behave({ answer: "hang" });
    await notifications.notifier.publish([blockedNotification(1), blockedNotification(2), blockedNotification(3)]);
    const started = Date.now();
    const report = await notifications.deliver();
    const elapsed = Date.now() - started;
    expect(report).toMatchObject({ attempted: 1, retrying: 1 });
    expect(elapsed).toBeLessThan(TIMEOUT_MS * 3);
    expect(local.requests).toHaveLength(1);
    expect((await notifications.health()).lastFailure?.error).toContain(`no answer within ${TIMEOUT_MS} ms`);
  });

  it("records a receiver's endless answer by its status at once, reading only its first few KB", async () => {
    const { notifications, clock, receiver: local } = await setup();
    local.behave({ answer: "flood", status: 500 });
    await notifications.notifier.publish([blockedNotification(1)]);
    expect(await notifications.deliver()).toMatchObject({ attempted: 1, retrying: 1 });
    const error = (await notifications.health()).lastFailure?.error ?? "";
    expect(error).toMatch(/answered 500 "x{120}"$/);
    local.behave({ answer: "flood", status: 202 });
    clock.advance(60 * 60_000);
    expect(await notifications.deliver()).toMatchObject({ attempted: 1, sent: 1 });
  });

  it("posts again only to the receiver that failed, not to the one that already took it", async () => {
    const {
      notifications,
      clock,
      receiver: local,
    } = await setup([
      { format: "json", path: "/first" },
      { format: "slack", path: "/second" },
    ]);
    await notifications.notifier.publish([blockedNotification(1)]);
    local.behave({ answer: "fail", status: 503 }, "/second");
    expect(await notifications.deliver()).toMatchObject({ retrying: 1 });
    local.behave({ answer: "ok" });
    clock.advance(DEFAULT_DELIVERY_POLICY.baseDelayMs);
    expect(await notifications.deliver()).toMatchObject({ sent: 1 });
    expect(local.requests.map((post) => post.path)).toEqual(["/first", "/second", "/second"]);
  });
});

describe("dead-letter notifications", () => {
  it("reports dead letters when they appear and again only when more arrive", async () => {
    const { notifications, receiver: local, clock } = await setup();
    const queue = createInProcessJobQueue({
      clock,
      log: silentLogger,
      concurrency: 1,
      maxDeliveryCount: 1,
      handler: async () => {
        throw new Error("storage unreachable");
      },
    });
    const job = (n: number) => ({
      jobId: `job${n}`,
      collectionId: "PS100020",
      groupId: "00000009-0000-4000-8000-000000000001",
      trigger: "schedule" as const,
      enqueuedAt: new Date(clock.now()).toISOString(),
      attempt: 0,
    });
    const tick = async () => {
      await notifications.watchDeadLetters(queue);
      await notifications.deliver();
      clock.advance(60_000);
      return local.delivered.map((post) => (post.body as Notification).details);
    };

    expect(await tick()).toEqual([]);
    await queue.send([job(1), job(2)]);
    await queue.drain();
    expect(await tick()).toEqual([{ deadLetterCount: 2, previousCount: 0 }]);
    expect(await tick()).toHaveLength(1);
    await queue.send([job(3)]);
    await queue.drain();
    expect((await tick()).at(-1)).toEqual({ deadLetterCount: 3, previousCount: 2 });
    await queue.close();
  });
});

describe("collector snapshot notifications", () => {
  it("reports a snapshot turning stale once, and once when a fresh one arrives", async () => {
    const { notifications, receiver: local } = await setup();
    const snapshot = (stale: boolean, confirmedAt: string) => [
      { collectionId: "PS100020", collectionName: "Autopilot devices", stale, confirmedAt, maxAgeMinutes: 60 },
    ];
    const round = async (stale: boolean, confirmedAt = "2025-03-10T07:00:00.000Z") => {
      const before = local.delivered.length;
      await notifications.watchSnapshots(snapshot(stale, confirmedAt));
      await notifications.deliver();
      return local.delivered.slice(before).map((post) => (post.body as Notification).kind);
    };
    expect(await round(false)).toEqual([]);
    expect(await round(true)).toEqual(["snapshot-stale"]);
    expect(await round(true)).toEqual([]);
    expect(await round(false, "2025-03-10T09:04:00.000Z")).toEqual(["recovered"]);
    expect((local.delivered[0]?.body as Notification).text).toContain("since 2025-03-10T07:00:00.000Z (limit 60 minutes)");
  });
});

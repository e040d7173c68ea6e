import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { bufferIo } from "../../cli/io.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { startLocalReceiver } from "../notify/localReceiver.js";

let tenant: SimulatedTenant;
let dataDir: string;
let env: Record<string, string>;

beforeEach(async () => {
  const collection = range(1, 6).map((n) => entraDevice(n));
  const byHand = entraDevice(50);
  tenant = await startSimulatedTenant({
    seed: scenarioSeed({ collection: [...collection, entraDevice(7, { trustType: "ServerAd" })], others: [byHand], groupMembers: [byHand.objectId!] }),
  });
  dataDir = mkdtempSync(join(tmpdir(), "collection-sync-cli-"));
  env = { GRAPH_BASE_URL: tenant.graphBaseUrl, ADMINSERVICE_URL: tenant.adminServiceUrl };
});

afterEach(async () => {
  await tenant.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, { io, env, dataDir });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe("collection-sync CLI", () => {
  it("adds a mapping, lists it across runs, and syncs it with a per-mapping summary", async () => {
    const added = await cli("mappings", "add", "--collection", DEVICE_COLLECTION.toLowerCase(), "--group", GROUP_ID);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`Added mapping ${DEVICE_COLLECTION}`);

    const listed = await cli("mappings", "list", "--json");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, mode: "additive", enabled: true }]);

    const synced = await cli("sync");
    expect(synced.code).toBe(0);
    expect(synced.stdout).toContain("added 6, already present 0, removed 0, failed 0");
    expect(synced.stdout).toContain("skipped: 1 hybrid-joined");
    expect(tenant.groupMemberIds(GROUP_ID)).toHaveLength(7);
  });

  it("shows the newest run member by member and prints it as CSV with runs show", async () => {
    await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
    await cli("sync");

    const shown = await cli("runs", "show", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("added 6, already present 0");
    expect(shown.stdout).toMatch(/skipped\s+hybrid-joined\s+16777007\s+PC-00007/);

    const csv = await cli("runs", "show", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID, "--csv", "--outcome", "skipped");
    expect(csv.code).toBe(0);
    expect(csv.stdout.startsWith("\uFEFF")).toBe(true);
    const lines = csv.stdout.trim().split(/\r?\n/);
    expect(lines[0]).toBe("outcome,reason,resourceId,name,entraId,objectId,error,outcomeLabel,reasonLabel");
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toMatch(/^skipped,hybrid-joined,16777007,PC-00007,/);

    const unknown = await cli("runs", "show", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID, "--run", "00000000-0000-4000-8000-000000000000");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("No run");
  });

  it("prints one JSON document with --json and previews without writing on --dry-run", async () => {
    await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);

    const preview = await cli("sync", "--dry-run", "--json");

    expect(preview.code).toBe(0);
    const doc = JSON.parse(preview.stdout) as { dryRun: boolean; runs: Array<{ status: string; preview: { toAdd: string[] } }> };
    expect(doc.dryRun).toBe(true);
    expect(doc.runs[0]?.status).toBe("preview");
    expect(doc.runs[0]?.preview.toAdd).toHaveLength(6);
    expect(tenant.groupMemberIds(GROUP_ID)).toHaveLength(1);
  });

  it("exits 1 when a mapping fails", async () => {
    await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
    tenant.faults.add({ service: "adminService", path: /SMS_FullCollectionMembership/, status: 500 });

    const synced = await cli("sync", "--collection", DEVICE_COLLECTION);

    expect(synced.code).toBe(1);
    expect(synced.stdout).toContain("failed");
    expect(tenant.groupMemberIds(GROUP_ID)).toHaveLength(1);
  });

  it.each([
    [["mappings", "add", "--collection", "x' or 1 eq 1", "--group", GROUP_ID], /collection/i],
    [["mappings", "add", "--collection", DEVICE_COLLECTION, "--group", "not-a-guid"], /GUID/],
    [["mappings", "add", "--collection", DEVICE_COLLECTION], /--group is required/],
    [["mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID, "--mode", "sideways"], /mode/],
    [["mappings", "add", "--bogus"], /bogus/],
    [["sync", "--collection", "../etc"], /not a ConfigMgr collection id/],
    [["frobnicate"], /unknown command/],
  ])("refuses bad input %j with exit 2, a message, and no stored change", async (argv, message) => {
    await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
    const before = (await cli("mappings", "list", "--json")).stdout;

    const result = await cli(...argv);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect((await cli("mappings", "list", "--json")).stdout).toBe(before);
  });

  it("exits 2 on a bad setting, naming it", async () => {
    env = { ...env, GRAPH_BASE_URL: "http://graph.example.com" };
    const result = await cli("mappings", "list");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("GRAPH_BASE_URL must use https://");
  });

  it("searches groups and says which can be targets", async () => {
    const result = await cli("groups", "search", "Autopilot");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(GROUP_ID);
    expect(result.stdout).toContain("yes");
  });

  it("exits 1 on a blocked run, saying which guard blocked and how to approve; approve lets it through", async () => {
    await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID, "--mode", "mirror");

    const blocked = await cli("sync");
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain("blocked");
    expect(blocked.stdout).toContain("mirror sync");
    expect(blocked.stdout).toContain(`collection-sync mappings approve --collection ${DEVICE_COLLECTION} --group ${GROUP_ID}`);
    expect(tenant.groupMemberIds(GROUP_ID)).toHaveLength(7);

    expect((await cli("mappings", "approve", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID)).code).toBe(0);
    const approved = await cli("sync");
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain("removed 1");
    expect(tenant.groupMemberIds(GROUP_ID)).toHaveLength(6);
  });

  it("changes a mapping's mode and hybrid opt-in with mappings set", async () => {
    await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
    const set = await cli("mappings", "set", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID, "--mode", "managed", "--include-hybrid-joined", "true");
    expect(set.code).toBe(0);
    expect(JSON.parse((await cli("mappings", "list", "--json")).stdout)).toMatchObject([{ mode: "managed", includeHybridJoined: true }]);
    const synced = await cli("sync", "--json");
    expect(JSON.parse(synced.stdout).runs[0].counts.added).toBe(7);
  });

  it("turns a mapping's notifications off and on with --no-notify and mappings set --notify", async () => {
    const added = await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID, "--no-notify");
    expect(added.stdout).toContain("notifications off");
    expect(JSON.parse((await cli("mappings", "list", "--json")).stdout)).toMatchObject([{ notify: false }]);
    const set = await cli("mappings", "set", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID, "--notify", "true");
    expect(set.stdout).toContain("notifications on");
    expect(JSON.parse((await cli("mappings", "list", "--json")).stdout)).toMatchObject([{ notify: true }]);
    expect((await cli("mappings", "set", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID, "--notify", "maybe")).code).toBe(2);
  });

  it("sends a blocked mapping's notification to NOTIFY_WEBHOOK_URL at the end of sync", async () => {
    const receiver = await startLocalReceiver();
    try {
      env = { ...env, NOTIFY_WEBHOOK_URL: `json:${receiver.url}/hook` };
      await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID, "--mode", "mirror");
      const synced = await cli("sync");
      expect(synced.code).toBe(1);
      expect(synced.stderr).toContain("Notifications: 1 sent.");
      expect(receiver.delivered.map((post) => post.body)).toMatchObject([{ kind: "blocked", details: { guard: "mirror-first-sync", removeCount: 1 } }]);
      expect((await cli("sync")).stderr).not.toContain("Notifications");
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it("removes a mapping without touching the group", async () => {
    await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
    await cli("sync");
    const removed = await cli("mappings", "remove", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
    expect(removed.code).toBe(0);
    expect(JSON.parse((await cli("mappings", "list", "--json")).stdout)).toEqual([]);
    expect(tenant.groupMemberIds(GROUP_ID)).toHaveLength(7);
  });
});

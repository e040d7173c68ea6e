import { describe, expect, it } from "vitest";
import { recordAudit } from "../../shared/audit/auditTrail.js";
import { harnessPerTest } from "./apiHarness.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";
import { clientPrincipal, READER, WRITER, WRITER_OID } from "./principals.js";

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true } });
const pilot = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };
const pilotPath = `/mappings/${pilot.collectionId}/${pilot.groupId}`;
const OTHER = { "x-ms-client-principal": clientPrincipal("other@contoso.com", ["Mappings.ReadWrite"]) };

interface Entry {
  action: string;
  actor: { name: string; objectId: string | null; kind: string };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  summary: string;
  at: string;
}

describe("audit trail", () => {
  it("records who created, changed, synced and deleted a mapping, with the values before and after, newest first", async () => {
    const h = await start();
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: pilot })).status).toBe(201);
    expect((await h.call("PATCH", pilotPath, { headers: OTHER, body: { mode: "mirror", removalThresholdPercent: 5 } })).status).toBe(200);
    expect((await h.call("POST", `${pilotPath}/sync`, { headers: OTHER })).status).toBe(202);
    expect((await h.call("DELETE", pilotPath, { headers: WRITER })).status).toBe(204);

    const trail = await h.call("GET", "/audit", { headers: READER });
    expect(trail.status).toBe(200);
    const entries = trail.body.items as Entry[];
    expect(entries.map((e) => e.action)).toEqual(["mapping.delete", "mapping.sync", "mapping.update", "mapping.create"]);
    const [deleted, synced, updated, created] = entries;
    expect(created).toMatchObject({
      actionLabel: "Mapping created",
      actor: { name: "writer@contoso.com", objectId: WRITER_OID, kind: "user" },
      before: null,
      after: { mode: "additive", groupName: "Intune Pilot Devices" },
    });
    expect(updated).toMatchObject({
      actor: { name: "other@contoso.com", objectId: null },
      before: { mode: "additive", removalThresholdPercent: null },
      after: { mode: "mirror", removalThresholdPercent: 5 },
    });
    expect(updated?.summary).toBe("mode additive → mirror, removalThresholdPercent default → 5");
    expect(synced?.after).toMatchObject({ jobId: expect.stringContaining("_manual_") });
    expect(deleted).toMatchObject({ before: { mode: "mirror" }, after: null, collectionId: pilot.collectionId, groupId: pilot.groupId });
  });

  it("records nothing for a refused change", async () => {
    const h = await start();
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: { ...pilot, mode: "sideways" } })).status).toBe(400);
    expect((await h.call("PATCH", pilotPath, { headers: WRITER, body: { mode: "mirror" } })).status).toBe(404);
    expect((await h.call("GET", "/audit", { headers: READER })).body.items).toEqual([]);
  });

  it("finds entries by mapping, actor, action and time, a page at a time", async () => {
    const h = await start();
    const actor = { name: "collector-admin", objectId: null, kind: "api-key" as const };
    const times = ["2025-03-01T08:00:00Z", "2025-03-01T09:00:00Z", "2025-03-01T10:00:00Z", "2025-03-01T11:00:00Z"];
    for (const [i, at] of times.entries()) {
      const clock = { now: () => Date.parse(at), sleep: async () => {} };
      await recordAudit(
        { audit: h.stores.audit, clock },
        { action: i % 2 === 0 ? "snapshot.discard" : "mapping.sync", actor, collectionId: i < 2 ? "PS100001" : "PS100002", groupId: null, after: { n: i } },
      );
    }
    const byCollection = await h.call("GET", "/audit?collectionId=ps100001", { headers: READER });
    expect(byCollection.body.items.map((e: Entry) => e.after?.n)).toEqual([1, 0]);
    const byAction = await h.call("GET", "/audit?action=snapshot.discard", { headers: READER });
    expect(byAction.body.items.map((e: Entry) => e.after?.n)).toEqual([2, 0]);
    const byTime = await h.call("GET", "/audit?from=2025-03-01T09:00:00Z&to=2025-03-01T11:00:00Z", { headers: READER });
    expect(byTime.body.items.map((e: Entry) => e.after?.n)).toEqual([2, 1]);
    const byActor = await h.call("GET", "/audit?actor=COLLECTOR", { headers: READER });
    expect(byActor.body.items).toHaveLength(4);
    const nobody = await h.call("GET", "/audit?actor=someone-else", { headers: READER });
    expect(nobody.body.items).toHaveLength(0);

    const first = await h.call("GET", "/audit?pageSize=3", { headers: READER });
    expect(first.body.items.map((e: Entry) => e.after?.n)).toEqual([3, 2, 1]);
    const rest = await h.call("GET", `/audit?pageSize=3&continuationToken=${encodeURIComponent(first.body.continuationToken)}`, { headers: READER });
    expect(rest.body.items.map((e: Entry) => e.after?.n)).toEqual([0]);
  });

  it("refuses malformed filters with a problem naming each", async () => {
    const h = await start();
    const bad = await h.call("GET", "/audit?action=mapping.eaten", { headers: READER });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ in: "query", name: "action" });
    expect((await h.call("GET", "/audit?from=yesterday", { headers: READER })).status).toBe(400);
    expect((await h.call("GET", "/audit?from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", { headers: READER })).status).toBe(400);
  });

  it("keeps entries for the run-retention period only", async () => {
    const h = await start();
    const actor = { name: "a", objectId: null, kind: "local" as const };
    const at = (iso: string) => ({ audit: h.stores.audit, clock: { now: () => Date.parse(iso), sleep: async () => {} } });
    await recordAudit(at("2024-01-01T00:00:00Z"), { action: "mapping.sync", actor, after: { n: "old" } });
    await recordAudit(at("2025-03-01T00:00:00Z"), { action: "mapping.sync", actor, after: { n: "new" } });
    const trail = await h.call("GET", "/audit", { headers: READER });
    expect(trail.body.items.map((e: Entry) => e.after?.n)).toEqual(["new"]);
  });
});

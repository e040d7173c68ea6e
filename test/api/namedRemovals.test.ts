import { describe, expect, it } from "vitest";
import type { SimulatorSeed } from "../../simulator/seed.js";
import { harnessPerTest, type ApiHarness } from "./apiHarness.js";
import { apiSeed, COLLECTIONS, GROUPS } from "./apiSeed.js";
import { READER, WRITER } from "./principals.js";

/** Three kiosks put into the pilot group by hand in Entra: not in the collection, so ConfigMgr cannot name them. */
const KIOSKS = [1, 2, 3].map((n) => ({
  id: `d0000000-0000-4000-8000-0000000000a${n}`,
  deviceId: `e0000000-0000-4000-8000-0000000000a${n}`,
  name: `KIOSK-0${n}`,
}));

function seedWithKiosks(): SimulatorSeed {
  const seed = apiSeed();
  const [tenant] = seed.tenants;
  if (tenant === undefined) throw new Error("apiSeed has a tenant");
  return {
    ...seed,
    tenants: [
      {
        ...tenant,
        groups: (tenant.groups ?? []).map((group) => (group.id === GROUPS.assigned ? { ...group, members: KIOSKS.map((k) => k.id) } : group)),
        devices: [...(tenant.devices ?? []), ...KIOSKS.map((k) => ({ id: k.id, deviceId: k.deviceId, displayName: k.name }))],
      },
    ],
  };
}

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true }, seed: seedWithKiosks() });
const pilot = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };
const pilotPath = `/mappings/${pilot.collectionId}/${pilot.groupId}`;
const kioskNames = KIOSKS.map((k) => k.name);

async function additivePilot(): Promise<ApiHarness> {
  const h = await start();
  expect((await h.call("POST", "/mappings", { headers: WRITER, body: pilot })).status).toBe(201);
  return h;
}

const names = (members: { name: string | null; outcome: string }[], outcome: string) =>
  members
    .filter((m) => m.outcome === outcome)
    .map((m) => m.name)
    .sort();

describe("names before any removal", () => {
  it("shows, before a switch to mirror is saved, which hand-added members the next sync would remove, by name", async () => {
    const h = await additivePilot();
    const asIs = await h.call("GET", `${pilotPath}/preview`, { headers: READER });
    expect(asIs.body).toMatchObject({ wouldAdd: 2, wouldRemove: 0, heldBack: 0, message: "Would add 2 and remove 0." });

    const mirror = await h.call("GET", `${pilotPath}/preview?mode=mirror`, { headers: READER });
    expect(mirror.status).toBe(200);
    // A first mirror sync of a group with members waits for approval: the kiosks are named as held back.
    expect(mirror.body).toMatchObject({ settings: { mode: "mirror" }, wouldAdd: 2, wouldRemove: 0, heldBack: 3, blockedBy: "mirror-first-sync" });
    expect(mirror.body.message).toMatch(/^Would add 2 and remove 0; 3 removals would be held back until approved: /);
    expect(names(mirror.body.preview.members, "held-back")).toEqual(kioskNames);
    expect(mirror.body.preview.members[0]).toMatchObject({ outcome: "held-back", outcomeLabel: "Removal held back" });
    // Nothing was saved: the mapping is still additive.
    expect((await h.call("GET", pilotPath, { headers: READER })).body.mode).toBe("additive");
  });

  it("names the held-back removals of a blocked run, approves them in one call, and records who approved the run that removes them", async () => {
    const h = await additivePilot();
    expect((await h.call("PATCH", pilotPath, { headers: WRITER, body: { mode: "mirror" } })).status).toBe(200);
    const blockedRun = await h.deps.sync({ ...pilot, trigger: "manual" });
    expect(blockedRun.status).toBe("blocked");

    const blocked = await h.call("GET", `${pilotPath}/blocked`, { headers: READER });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ total: 3, blocked: { guard: "mirror-first-sync", removeCount: 3, runId: blockedRun.runId }, approval: null });
    expect(names(blocked.body.members, "held-back")).toEqual(kioskNames);
    expect(blocked.body.message).toBe("Approving lets the next run remove these 3 members from Intune Pilot Devices once.");
    const heldInReport = await h.call("GET", `${pilotPath}/runs/${blockedRun.runId}/members?outcome=held-back`, { headers: READER });
    expect(heldInReport.body.items.map((m: { name: string }) => m.name).sort()).toEqual(kioskNames);

    const approved = await h.call("POST", `${pilotPath}/approve`, { headers: WRITER });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ total: 3, approvedBy: "writer@contoso.com", approval: { by: "writer@contoso.com" } });
    expect(names(approved.body.members, "held-back")).toEqual(kioskNames);

    const applied = await h.deps.sync({ ...pilot, trigger: "manual" });
    expect(applied).toMatchObject({ status: "succeeded", approvedBy: "writer@contoso.com", counts: { removed: 3 } });
    const removed = await h.call("GET", `${pilotPath}/runs/${applied.runId}/members?outcome=removed`, { headers: READER });
    expect(removed.body.items.map((m: { name: string }) => m.name).sort()).toEqual(kioskNames);
    const run = await h.call("GET", `${pilotPath}/runs/${applied.runId}`, { headers: READER });
    expect(run.body).toMatchObject({
      approvedBy: "writer@contoso.com",
      statusLabel: "Succeeded",
      mapping: { collectionName: "All Pilot Workstations", groupName: "Intune Pilot Devices" },
    });
  });

  it("says there is nothing to approve when no change is blocked", async () => {
    const h = await additivePilot();
    const answer = await h.call("GET", `${pilotPath}/blocked`, { headers: READER });
    expect(answer.status).toBe(409);
  });

  it("previews a lowered removal threshold: removals it would hold back are named and not counted as made", async () => {
    const h = await start();
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: { ...pilot, mode: "mirror" } })).status).toBe(201);
    // Once mirror has synced in this mode, the threshold decides.
    await h.stores.state.save({
      ...(await h.stores.state.get(`${pilot.collectionId}_${pilot.groupId}`)),
      lastSuccessMode: "mirror",
      lastSuccessSourceCount: 2,
    });
    const loose = await h.call("GET", `${pilotPath}/preview?removalThresholdPercent=100&removalThresholdCount=100`, { headers: READER });
    expect(loose.body).toMatchObject({ wouldRemove: 3, heldBack: 0, blockedBy: null });
    expect(names(loose.body.preview.members, "removed")).toEqual(kioskNames);
    const strict = await h.call("GET", `${pilotPath}/preview?removalThresholdPercent=10&removalThresholdCount=2`, { headers: READER });
    expect(strict.body).toMatchObject({
      wouldRemove: 0,
      heldBack: 3,
      blockedBy: "removal-threshold",
      settings: { removalThresholdPercent: 10, removalThresholdCount: 2 },
    });
    const bad = await h.call("GET", `${pilotPath}/preview?removalThresholdPercent=150`, { headers: READER });
    expect(bad.status).toBe(400);
  });
});

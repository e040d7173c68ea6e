import { describe, expect, it } from "vitest";
import { call, deviceObjectId, graph, GROUP_ID, smallSeed, startTenant } from "./fixtures.js";

type DeltaItem = { id: string; "members@delta"?: { id: string; "@removed"?: { reason: string } }[]; "@removed"?: unknown };

const deltaPath = `/groups/delta?$filter=id eq '${GROUP_ID}'&$select=members`;

async function drain(url: string): Promise<{ items: DeltaItem[]; deltaLink: string; pages: number }> {
  const items: DeltaItem[] = [];
  let next: string | undefined = url;
  let pages = 0;
  for (;;) {
    const answer = await call(next);
    expect(answer.status).toBe(200);
    items.push(...(answer.body.value as DeltaItem[]));
    pages++;
    if (answer.body["@odata.deltaLink"]) return { items, deltaLink: answer.body["@odata.deltaLink"] as string, pages };
    next = answer.body["@odata.nextLink"] as string;
  }
}

const members = (items: DeltaItem[]) => items.flatMap((i) => i["members@delta"] ?? []);

describe("simulated Graph: groups delta", () => {
  it("returns the full membership first, then only what changed since the deltaLink", async () => {
    const tenant = await startTenant({ seed: smallSeed({ devices: 6, groupMembers: [0, 1, 2].map(deviceObjectId) }) });
    const first = await drain(`${tenant.graphBaseUrl}/v1.0${deltaPath}`);
    expect(
      members(first.items)
        .map((m) => m.id)
        .sort(),
    ).toEqual([0, 1, 2].map(deviceObjectId).sort());
    expect(first.deltaLink.startsWith(`${tenant.graphBaseUrl}/v1.0/groups/delta?$deltatoken=`)).toBe(true);

    const quiet = await drain(first.deltaLink);
    expect(quiet.items).toEqual([]);

    tenant.addMemberByHand(GROUP_ID, deviceObjectId(4));
    tenant.removeMemberByHand(GROUP_ID, deviceObjectId(1));
    const changes = await drain(quiet.deltaLink);
    expect(members(changes.items)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: deviceObjectId(4) }),
        expect.objectContaining({ id: deviceObjectId(1), "@removed": { reason: "deleted" } }),
      ]),
    );
    expect(members(changes.items)).toHaveLength(2);
    expect(members(changes.items).find((m) => m.id === deviceObjectId(4))?.["@removed"]).toBeUndefined();
  });

  it("starts from now with $deltatoken=latest", async () => {
    const tenant = await startTenant({ seed: smallSeed({ groupMembers: [deviceObjectId(0)] }) });
    const latest = await graph(tenant, `${deltaPath}&$deltatoken=latest`);
    expect(latest.body.value).toEqual([]);
    tenant.addMemberByHand(GROUP_ID, deviceObjectId(2));
    const changes = await drain(latest.body["@odata.deltaLink"] as string);
    expect(members(changes.items).map((m) => m.id)).toEqual([deviceObjectId(2)]);
  });

  it("spans several pages for a large group", async () => {
    const ids = Array.from({ length: 2500 }, (_, i) => deviceObjectId(i));
    const tenant = await startTenant({ seed: smallSeed({ devices: 2500, groupMembers: ids }) });
    const first = await drain(`${tenant.graphBaseUrl}/v1.0${deltaPath}`);
    expect(first.pages).toBeGreaterThan(1);
    expect(new Set(members(first.items).map((m) => m.id))).toEqual(new Set(ids));
  });

  it("reports a deleted group as removed", async () => {
    const tenant = await startTenant({ seed: smallSeed() });
    const first = await drain(`${tenant.graphBaseUrl}/v1.0${deltaPath}`);
    tenant.deleteGroup(GROUP_ID);
    const changes = await drain(first.deltaLink);
    expect(changes.items).toEqual([expect.objectContaining({ id: GROUP_ID, "@removed": expect.anything() })]);
  });

  it("answers syncStateNotFound for a token older than 7 days and 410 after a forced resync", async () => {
    let clock = Date.UTC(2024, 0, 1);
    const tenant = await startTenant({ seed: smallSeed(), now: () => clock });
    const first = await drain(`${tenant.graphBaseUrl}/v1.0${deltaPath}`);
    clock += 8 * 24 * 3600 * 1000;
    const old = await call(first.deltaLink);
    expect(old.status).toBe(400);
    expect(old.body.error.code).toBe("syncStateNotFound");

    const fresh = await drain(`${tenant.graphBaseUrl}/v1.0${deltaPath}`);
    tenant.invalidateDeltaTokens();
    expect((await call(fresh.deltaLink)).status).toBe(410);
    expect((await call(`${tenant.graphBaseUrl}/v1.0/groups/delta?$deltatoken=garbage`)).body.error.code).toBe("syncStateNotFound");
  });
});

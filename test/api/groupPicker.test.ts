import { describe, expect, it } from "vitest";
import { harnessPerTest } from "./apiHarness.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";
import { READER, WRITER } from "./principals.js";

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true } });

describe("group picker", () => {
  it("says when Graph holds more matching groups than it shows", async () => {
    const h = await start();
    // The seed holds eight groups whose names start with "Intune".
    const capped = await h.call("GET", "/groups?search=Intune&limit=3", { headers: READER });
    expect(capped.status).toBe(200);
    expect(capped.body.items).toHaveLength(3);
    expect(capped.body.truncated).toBe(true);
    const all = await h.call("GET", "/groups?search=Intune&limit=20", { headers: READER });
    expect(all.body.items).toHaveLength(8);
    expect(all.body.truncated).toBe(false);
  });

  it("marks groups already filled by a mapping, naming the collection", async () => {
    const h = await start();
    expect((await h.call("POST", "/mappings", { headers: WRITER, body: { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned } })).status).toBe(201);
    const answer = await h.call("GET", "/groups?search=Intune%20Pilot", { headers: READER });
    const byId = Object.fromEntries(answer.body.items.map((g: { id: string; mappedFrom: unknown }) => [g.id, g.mappedFrom]));
    expect(byId[GROUPS.assigned]).toEqual([{ collectionId: COLLECTIONS.devices, collectionName: "All Pilot Workstations" }]);
    expect(byId[GROUPS.assigned2]).toEqual([]);
  });
});

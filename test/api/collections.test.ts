import { describe, expect, it } from "vitest";
import { PROBLEM_BASE } from "../../shared/api/problems.js";
import { harnessPerTest } from "./apiHarness.js";
import { apiSeed, COLLECTIONS } from "./apiSeed.js";
import { READER } from "./principals.js";

function seedWithQuotes() {
  const seed = apiSeed();
  seed.configMgr?.collections?.push({ CollectionID: "PS100040", Name: "O'Brien's Laptops", CollectionType: 2, members: [16777217] });
  return seed;
}

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true }, seed: seedWithQuotes() });

describe("collection search", () => {
  it("finds device and user collections by name, those starting with the text first, with member counts", async () => {
    const h = await start();
    const answer = await h.call("GET", "/collections?search=All%20Pilot", { headers: READER });
    expect(answer.status).toBe(200);
    expect(answer.body.items).toEqual([{ id: COLLECTIONS.devices, name: "All Pilot Workstations", type: "device", memberCount: 2 }]);
    const users = await h.call("GET", "/collections?search=Pilot", { headers: READER });
    expect(users.body.items).toEqual([
      { id: COLLECTIONS.users, name: "Pilot Users", type: "user", memberCount: 0 },
      { id: COLLECTIONS.devices, name: "All Pilot Workstations", type: "device", memberCount: 2 },
    ]);
  });

  it("finds a collection by any part of its name, whatever the case", async () => {
    const h = await start();
    const answer = await h.call("GET", "/collections?search=pilot%20WORK", { headers: READER });
    expect(answer.body.items.map((c: { name: string }) => c.name)).toEqual(["All Pilot Workstations"]);
  });

  it("finds a collection by its exact id, whatever the case", async () => {
    const h = await start();
    const answer = await h.call("GET", `/collections?search=${COLLECTIONS.devices.toLowerCase()}`, { headers: READER });
    expect(answer.body.items.map((c: { id: string }) => c.id)).toEqual([COLLECTIONS.devices]);
  });

  it("never offers a collection that is neither a device nor a user collection", async () => {
    const h = await start();
    expect((await h.call("GET", "/collections?search=Odd", { headers: READER })).body.items).toEqual([]);
    expect((await h.call("GET", `/collections?search=${COLLECTIONS.other}`, { headers: READER })).body.items).toEqual([]);
  });

  it("keeps a quote in the search text as text", async () => {
    const h = await start();
    const answer = await h.call("GET", `/collections?search=${encodeURIComponent("O'Brien")}`, { headers: READER });
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((c: { name: string }) => c.name)).toEqual(["O'Brien's Laptops"]);
  });

  it("answers 400 without search text, and 401 to an anonymous caller", async () => {
    const h = await start();
    const missing = await h.call("GET", "/collections", { headers: READER });
    expect(missing.status).toBe(400);
    expect(missing.body.type).toBe(`${PROBLEM_BASE}validation`);
    expect((await h.call("GET", "/collections?search=All")).status).toBe(401);
  });
});

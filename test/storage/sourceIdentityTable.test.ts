import { describe, expect, it } from "vitest";
import type { SourceIdentity } from "../../shared/configmgr/sourceIdentityCache.js";
import { freshStores } from "./freshStores.js";

const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const DAY = 24 * 60 * 60 * 1000;

const laptop: SourceIdentity = {
  resourceId: 16777301,
  name: "PC-001",
  entraId: "6f1b1b1e-3c1d-4f7a-9a3e-2b9f6c1d0e11",
  userPrincipalName: null,
  checkedAt: T0,
};
const unjoined: SourceIdentity = { resourceId: 16777302, name: "PC-002", entraId: null, userPrincipalName: null, checkedAt: T0 };
const guest: SourceIdentity = {
  resourceId: 2063597001,
  name: "CONTOSO\\anne",
  entraId: null,
  userPrincipalName: "anne_fabrikam.com#EXT#@contoso.onmicrosoft.com",
  checkedAt: T0,
};

describe("source identity table", () => {
  it("remembers members with and without an Entra id, and users by UPN", async () => {
    const { sourceIdentities } = freshStores();
    await sourceIdentities.putMany("device", [laptop, unjoined]);
    await sourceIdentities.putMany("user", [guest]);
    const devices = await sourceIdentities.getMany("device", [laptop.resourceId, unjoined.resourceId, 16777999]);
    expect(devices.get(laptop.resourceId)).toEqual(laptop);
    expect(devices.get(unjoined.resourceId)).toEqual(unjoined);
    expect(devices.has(16777999)).toBe(false);
    expect((await sourceIdentities.getMany("user", [guest.resourceId])).get(guest.resourceId)).toEqual(guest);
  });

  it("keeps devices and users apart", async () => {
    const { sourceIdentities } = freshStores();
    await sourceIdentities.putMany("device", [laptop]);
    expect((await sourceIdentities.getMany("user", [laptop.resourceId])).size).toBe(0);
  });

  it("keeps the later of two looks at the same member", async () => {
    const { sourceIdentities } = freshStores();
    const joinedLater = { ...unjoined, entraId: "7e2c2c2f-0000-4000-8000-000000000002", checkedAt: T0 + DAY };
    await sourceIdentities.putMany("device", [joinedLater]);
    await sourceIdentities.putMany("device", [unjoined]);
    expect((await sourceIdentities.getMany("device", [unjoined.resourceId])).get(unjoined.resourceId)).toEqual(joinedLater);
  });

  it("forgets members not looked at for longer than the retention once the partition is folded", async () => {
    const { sourceIdentities } = freshStores({ sourceIdentityRetainMs: DAY });
    await sourceIdentities.putMany("device", [laptop]);
    // Runs two days later append a row each until the partition has more rows than it keeps before folding.
    const later = Array.from({ length: 33 }, (_, i) => ({ ...unjoined, resourceId: 16778000 + i, checkedAt: T0 + 2 * DAY }));
    for (const identity of later) await sourceIdentities.putMany("device", [identity]);
    const left = await sourceIdentities.getMany("device", [laptop.resourceId, ...later.map((i) => i.resourceId)]);
    expect(left.has(laptop.resourceId)).toBe(false);
    expect(left.size).toBe(33);
  });

  it("answers remembered members before any folding, however old (when to look again is the caller's decision)", async () => {
    const { sourceIdentities } = freshStores({ sourceIdentityRetainMs: DAY });
    await sourceIdentities.putMany("device", [laptop]);
    await sourceIdentities.putMany("device", [{ ...unjoined, checkedAt: T0 + 2 * DAY }]);
    expect((await sourceIdentities.getMany("device", [laptop.resourceId])).get(laptop.resourceId)).toEqual(laptop);
  });
});

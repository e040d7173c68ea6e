import { describe, expect, it } from "vitest";
import { ValidationError } from "../../shared/errors.js";
import type { ResolutionEntry } from "../../shared/core/ports/resolutionCache.js";
import { freshStores } from "./freshStores.js";

const HOUR = 60 * 60 * 1000;
const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const device = "6f1b1b1e-3c1d-4f7a-9a3e-2b9f6c1d0e11";

const found: ResolutionEntry = { key: device, objectId: "a0a0a0a0-0000-4000-8000-000000000001", trustType: "AzureAd", accountEnabled: true, checkedAt: T0 };
const missing: ResolutionEntry = { key: "7e2c2c2f-0000-4000-8000-000000000002", objectId: null, trustType: null, accountEnabled: null, checkedAt: T0 };

describe("resolution cache table", () => {
  it("returns positive and negative entries while they are younger than the TTL", async () => {
    const { resolution } = freshStores({ resolutionTtlMs: HOUR });
    await resolution.putMany("home", [found, missing]);
    const fresh = await resolution.getMany("home", [found.key, missing.key, "unknown-key"], T0 + HOUR - 1);
    expect(fresh.get(found.key)).toEqual(found);
    expect(fresh.get(missing.key)).toEqual(missing);
    expect(fresh.has("unknown-key")).toBe(false);
  });

  it("drops positive and negative entries once the TTL has passed", async () => {
    const { resolution } = freshStores({ resolutionTtlMs: HOUR });
    await resolution.putMany("home", [found, missing]);
    const expired = await resolution.getMany("home", [found.key, missing.key], T0 + HOUR);
    expect(expired.size).toBe(0);
  });

  it('forgets "not in Entra" sooner than a found device when asked to (a device may join Entra any time)', async () => {
    const { resolution } = freshStores({ resolutionTtlMs: 24 * HOUR, resolutionNotFoundTtlMs: HOUR });
    await resolution.putMany("home", [found, missing]);
    expect((await resolution.getMany("home", [found.key, missing.key], T0 + HOUR - 1)).size).toBe(2);
    const later = await resolution.getMany("home", [found.key, missing.key], T0 + HOUR);
    expect([...later.keys()]).toEqual([found.key]);
  });

  it("replaces an entry with a newer lookup", async () => {
    const { resolution } = freshStores({ resolutionTtlMs: HOUR });
    await resolution.putMany("home", [missing]);
    const later = { ...missing, objectId: "b0b0b0b0-0000-4000-8000-000000000003", trustType: "ServerAd", accountEnabled: false, checkedAt: T0 + 2 * HOUR };
    await resolution.putMany("home", [later]);
    expect((await resolution.getMany("home", [missing.key], T0 + 2 * HOUR + 1)).get(missing.key)).toEqual(later);
  });

  it("keeps tenants apart", async () => {
    const { resolution } = freshStores({ resolutionTtlMs: HOUR });
    await resolution.putMany("72f988bf-86f1-41af-91ab-2d7cd011db47", [found]);
    expect((await resolution.getMany("home", [found.key], T0)).size).toBe(0);
  });

  it("caches guest UPNs holding # and finds them whatever their case", async () => {
    const { resolution } = freshStores({ resolutionTtlMs: HOUR });
    const guest: ResolutionEntry = {
      key: "anne_fabrikam.com#EXT#@contoso.onmicrosoft.com",
      objectId: "c0c0c0c0-0000-4000-8000-000000000004",
      trustType: null,
      accountEnabled: true,
      checkedAt: T0,
    };
    const odd: ResolutionEntry = { ...guest, key: "50%/off?\\deal", objectId: null };
    await resolution.putMany("home", [guest, odd]);
    const upper = guest.key.toUpperCase();
    const hits = await resolution.getMany("home", [upper, odd.key], T0);
    expect(hits.get(upper)).toEqual({ ...guest, key: upper });
    expect(hits.get(odd.key)).toEqual(odd);
  });

  it("reads and writes more than one transaction's worth of entries", async () => {
    const { resolution } = freshStores({ resolutionTtlMs: HOUR });
    const entries = Array.from({ length: 230 }, (_, i) => ({ ...found, key: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}` }));
    await resolution.putMany("home", entries);
    expect(
      (
        await resolution.getMany(
          "home",
          entries.map((e) => e.key),
          T0,
        )
      ).size,
    ).toBe(230);
  });

  it("refuses a tenant that cannot be a key and writes nothing", async () => {
    const { resolution } = freshStores({ resolutionTtlMs: HOUR });
    await expect(resolution.putMany("bad/tenant", [found])).rejects.toBeInstanceOf(ValidationError);
    await expect(resolution.getMany("bad/tenant", [found.key], T0)).rejects.toBeInstanceOf(ValidationError);
  });
});

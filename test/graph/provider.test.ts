import { afterEach, describe, expect, test } from "vitest";
import { ConfigError } from "../../shared/errors.js";
import { createGraphDirectoryProvider } from "../../shared/graph/graphDirectoryProvider.js";
import { graphScopeFor } from "../../shared/graph/tokenMiddleware.js";
import { silentLogger } from "../../shared/logger.js";
import { fakeClock, fakeCredential, guid, seedOf, startHarness, type GraphHarness } from "./graphFixtures.js";

let harness: GraphHarness | undefined;
afterEach(async () => {
  await harness?.tenant.close();
  harness = undefined;
});

const baseOptions = { maxConcurrency: 4, clock: fakeClock(), log: silentLogger };

describe("connecting to Graph", () => {
  test("the token scope follows the cloud of the base URL", () => {
    expect(graphScopeFor(new URL("https://graph.microsoft.com"))).toBe("https://graph.microsoft.com/.default");
    expect(graphScopeFor(new URL("https://graph.microsoft.us"))).toBe("https://graph.microsoft.us/.default");
    expect(graphScopeFor(new URL("https://dod-graph.microsoft.us"))).toBe("https://dod-graph.microsoft.us/.default");
    expect(graphScopeFor(new URL("https://microsoftgraph.chinacloudapi.cn"))).toBe("https://microsoftgraph.chinacloudapi.cn/.default");
    expect(graphScopeFor(new URL("http://127.0.0.1:7071"))).toBe("https://graph.microsoft.com/.default");
  });

  test("a real Graph cannot be called without a credential; the loopback simulator can", async () => {
    const real = createGraphDirectoryProvider({ ...baseOptions, baseUrl: "https://graph.microsoft.com", credentialFor: () => null });
    expect(() => real.open(null)).toThrow(ConfigError);
    expect(() => createGraphDirectoryProvider({ ...baseOptions, baseUrl: "http://graph.example.com", credentialFor: () => null })).toThrow(ConfigError);

    const groupId = guid();
    harness = await startHarness(seedOf({ groups: [{ id: groupId, displayName: "Home" }] }), { credentialFor: () => null });
    expect((await harness.provider.open(null).getGroup(groupId))?.displayName).toBe("Home");
  });

  test("the bearer token goes to the loopback simulator too (it tells tenants apart by token), fetched once and reused", async () => {
    const [home, other] = [guid(), guid()];
    const groupId = guid();
    harness = await startHarness(
      seedOf({ tenantId: home, groups: [] }, { tenantId: other, groups: [{ id: groupId, displayName: "Only in the other tenant" }] }),
    );
    const directory = harness.provider.open(other);

    await directory.getGroup(groupId);
    await directory.getGroup(groupId);
    await harness.provider.open(other).getGroup(groupId);

    expect(harness.tenant.requestLog.map((e) => [e.tenantId, e.status])).toEqual([
      [other, 200],
      [other, 200],
      [other, 200],
    ]);
    expect(harness.credentials.get(other)?.requests).toHaveLength(1);
  });

  test("an expiring token is renewed before it runs out", async () => {
    const tenantId = guid();
    const groupId = guid();
    const clock = fakeClock();
    harness = await startHarness(seedOf({ tenantId, groups: [{ id: groupId, displayName: "G" }] }));
    const credential = fakeCredential(tenantId, clock);
    const provider = createGraphDirectoryProvider({
      ...baseOptions,
      clock,
      baseUrl: harness.tenant.graphBaseUrl,
      credentialFor: () => credential,
    });
    const directory = provider.open(tenantId);

    await directory.getGroup(groupId);
    await clock.sleep(58 * 60_000); // the token lives 60 minutes; renewed 5 minutes early
    await directory.getGroup(groupId);

    expect(credential.requests).toHaveLength(2);
  });
});

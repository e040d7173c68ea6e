/** Test setup for the Graph adapter: a fresh simulated tenant per test, a fake clock and fake credentials. */
import { randomUUID } from "node:crypto";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { createGraphDirectoryProvider, type GraphDirectoryProviderOptions } from "../../shared/graph/graphDirectoryProvider.js";
import type { DirectoryProvider } from "../../shared/core/ports/directory.js";
import { silentLogger } from "../../shared/logger.js";
import type { Clock } from "../../shared/core/ports/clock.js";
import { simulatorToken, startSimulatedTenant, type SimulatedTenant, type SimulatorSeed } from "../../simulator/index.js";

export interface FakeClock extends Clock {
  /** Every wait the code asked for, in order. */
  readonly sleeps: number[];
}

/** Time that moves only when the code sleeps: throttling waits cost nothing and are recorded. */
export function fakeClock(start = Date.UTC(2025, 0, 6, 9, 0, 0)): FakeClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

export interface FakeCredential extends TokenCredential {
  /** Scopes of every token request. */
  readonly requests: string[];
}

/** Hands out the simulator's bearer token for one tenant, as a real credential hands out Entra tokens. */
export function fakeCredential(tenantId: string, clock: Clock): FakeCredential {
  const requests: string[] = [];
  return {
    requests,
    getToken: async (scopes): Promise<AccessToken> => {
      requests.push(...(Array.isArray(scopes) ? scopes : [scopes]));
      return { token: simulatorToken(tenantId), expiresOnTimestamp: clock.now() + 3_600_000 };
    },
  };
}

export const guid = (): string => randomUUID();

export interface DeviceSeed {
  readonly id: string;
  readonly deviceId: string;
  readonly displayName: string;
  readonly trustType?: "AzureAd" | "ServerAd" | "Workplace";
  readonly accountEnabled?: boolean;
}

export function devices(count: number, prefix = "PC"): DeviceSeed[] {
  return Array.from({ length: count }, (_, i) => ({
    id: guid(),
    deviceId: guid(),
    displayName: `${prefix}-${String(i).padStart(5, "0")}`,
  }));
}

export interface TenantSeedInput {
  readonly tenantId?: string;
  readonly groups?: NonNullable<SimulatorSeed["tenants"][number]["groups"]>;
  readonly devices?: readonly DeviceSeed[];
  readonly users?: NonNullable<SimulatorSeed["tenants"][number]["users"]>;
}

export function seedOf(...tenants: TenantSeedInput[]): SimulatorSeed {
  return {
    tenants: tenants.map((t) => ({
      tenantId: t.tenantId ?? guid(),
      groups: t.groups ?? [],
      devices: [...(t.devices ?? [])],
      users: t.users ?? [],
    })),
  };
}

export interface GraphHarness {
  readonly tenant: SimulatedTenant;
  readonly clock: FakeClock;
  readonly provider: DirectoryProvider;
  readonly credentials: Map<string, FakeCredential>;
}

/** Starts a simulated tenant and a provider pointed at it; each tenant's token comes from a fake credential. */
export async function startHarness(
  seed: SimulatorSeed,
  overrides: Partial<GraphDirectoryProviderOptions> = {},
  simulator: { throttle?: Parameters<typeof startSimulatedTenant>[0]["throttle"] } = {},
): Promise<GraphHarness> {
  const clock = fakeClock();
  const tenant = await startSimulatedTenant({ seed, now: clock.now, ...simulator });
  const credentials = new Map<string, FakeCredential>();
  const provider = createGraphDirectoryProvider({
    baseUrl: tenant.graphBaseUrl,
    credentialFor: (tenantId) => {
      const id = tenantId ?? tenant.tenantIds[0] ?? "";
      const credential = credentials.get(id) ?? fakeCredential(id, clock);
      credentials.set(id, credential);
      return credential;
    },
    maxConcurrency: 4,
    clock,
    log: silentLogger,
    random: () => 0.5,
    ...overrides,
  });
  return { tenant, clock, provider, credentials };
}

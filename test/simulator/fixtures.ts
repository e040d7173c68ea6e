/** Small seeds and HTTP helpers for the simulator's own tests (plain fetch, as any client would). */
import { afterEach } from "vitest";
import { startSimulatedTenant, type SimulatedTenant, type SimulatedTenantOptions, type SimulatorSeed } from "../../simulator/index.js";

export const TENANT_A = "aaaaaaaa-0000-4000-8000-000000000001";
export const TENANT_B = "bbbbbbbb-0000-4000-8000-000000000002";

export const guid = (prefix: string, n: number): string => `${prefix.padEnd(8, "0").slice(0, 8)}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
export const deviceObjectId = (n: number): string => guid("d0", n);
export const entraDeviceId = (n: number): string => guid("d1", n);
export const userId = (n: number): string => guid("e0", n);
export const GROUP_ID = guid("90", 1);

/** One tenant with `devices` Entra-joined devices, `users` users and one empty assigned security group. */
export function smallSeed(options: { devices?: number; users?: number; tenantId?: string; groupMembers?: string[] } = {}): SimulatorSeed {
  const devices = Array.from({ length: options.devices ?? 5 }, (_, i) => ({
    id: deviceObjectId(i),
    deviceId: entraDeviceId(i),
    displayName: `PC-${i}`,
  }));
  const users = Array.from({ length: options.users ?? 3 }, (_, i) => ({
    id: userId(i),
    userPrincipalName: `user${i}@contoso.example`,
    displayName: `User ${i}`,
  }));
  return {
    tenants: [
      {
        tenantId: options.tenantId ?? TENANT_A,
        devices,
        users,
        groups: [{ id: GROUP_ID, displayName: "Autopilot Devices", members: options.groupMembers ?? [] }],
      },
    ],
  };
}

const started: SimulatedTenant[] = [];

/** Starts a tenant that is closed after the test. */
export async function startTenant(options: SimulatedTenantOptions): Promise<SimulatedTenant> {
  const tenant = await startSimulatedTenant(options);
  started.push(tenant);
  return tenant;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.close()));
});

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // Tests read arbitrary JSON shapes; narrowing each one would only add noise.
  readonly body: any;
}

export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    // text/plain bodies ($count) stay strings
  }
  return { status: response.status, headers: response.headers, body };
}

export function graph(tenant: SimulatedTenant, path: string, init: RequestInit = {}): Promise<Answer> {
  return call(`${tenant.graphBaseUrl}/v1.0${path}`, init);
}

export function graphJson(tenant: SimulatedTenant, method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return graph(tenant, path, { method, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
}

export function adminService(tenant: SimulatedTenant, path: string): Promise<Answer> {
  return call(`${tenant.adminServiceUrl}${path}`);
}

export const bind = (id: string): string => `https://graph.microsoft.com/v1.0/directoryObjects/${id}`;

/** Follows `@odata.nextLink`s as-is and returns every item. */
export async function allPages(url: string, headers: Record<string, string> = {}): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let pages = 0;
  let next: string | undefined = url;
  while (next) {
    const answer = await call(next, { headers });
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status} on ${next}: ${JSON.stringify(answer.body)}`);
    items.push(...(answer.body.value as Record<string, unknown>[]));
    next = answer.body["@odata.nextLink"] as string | undefined;
    pages++;
  }
  return { items, pages };
}

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ApiDeps } from "../../shared/api/apiTypes.js";
import { settingsSchema } from "../../shared/config/settings.js";

/**
 * What the Functions host would register. Outside the host @azure/functions runs in "test mode" and drops every
 * registration, so a wrong queue name or connection would pass unnoticed: here the library's own `app.http`,
 * `app.timer` and `app.serviceBusQueue` are intercepted while the real functions/index.ts registers the app.
 */
type Registration = { readonly kind: string; readonly name: string; readonly options: Record<string, unknown> };
const registered: Registration[] = [];

vi.mock("@azure/functions", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@azure/functions")>();
  const record = (kind: string) => (name: string, options: Record<string, unknown>) => void registered.push({ kind, name, options });
  return { ...actual, app: { ...actual.app, http: record("http"), timer: record("timer"), serviceBusQueue: record("serviceBusQueue") } };
});

const saved = { ...process.env };
beforeEach(() => {
  registered.length = 0;
  vi.resetModules();
  delete process.env.API_AUTH;
});
afterEach(() => {
  process.env = { ...saved };
});

async function registerApp(): Promise<Map<string, Registration>> {
  await import("../../functions/index.js");
  return new Map(registered.map((entry) => [entry.name, entry]));
}

describe("the Functions app registration (functions/index.ts)", () => {
  it("registers exactly the API, the scheduler, the queue worker, the notifier and the snapshot janitor, each once, without building services", async () => {
    const functions = await registerApp();
    expect(registered.map((entry) => `${entry.kind} ${entry.name}`).sort()).toEqual([
      "http mappingsApi",
      "serviceBusQueue syncWorker",
      "timer notifier",
      "timer scheduler",
      "timer snapshotJanitor",
    ]);
    for (const entry of functions.values()) expect(entry.options.handler).toEqual(expect.any(Function));
  });

  it("serves the whole API under one catch-all route, every method the router answers, anonymous behind Easy Auth", async () => {
    const api = (await registerApp()).get("mappingsApi")?.options;
    expect(api?.route).toBe("{*path}");
    expect(api?.authLevel).toBe("anonymous");
    const { createMappingsApi } = await import("../../shared/api/router.js");
    const routed = new Set(createMappingsApi(fakeApiDeps()).routes.map((route) => route.method));
    expect(api?.methods).toEqual(expect.arrayContaining([...routed]));
  });

  it("lets the host check function keys when API_AUTH=function-key", async () => {
    process.env.API_AUTH = "function-key";
    expect((await registerApp()).get("mappingsApi")?.options.authLevel).toBe("function");
  });

  it("runs the scheduler on the SYNC_SCHEDULE app setting, a setting the app itself validates", async () => {
    expect((await registerApp()).get("scheduler")?.options.schedule).toBe("%SYNC_SCHEDULE%");
    expect(Object.keys(settingsSchema.shape)).toContain("SYNC_SCHEDULE");
  });

  it("drains the queue the app sends to (SERVICEBUS_QUEUE) over the identity-based SERVICEBUS_CONNECTION", async () => {
    const worker = (await registerApp()).get("syncWorker")?.options;
    expect(worker?.queueName).toBe("%SERVICEBUS_QUEUE%");
    expect(worker?.connection).toBe("SERVICEBUS_CONNECTION");
    // The host reads SERVICEBUS_CONNECTION__fullyQualifiedNamespace for an identity-based connection; the app sends with the same.
    expect(Object.keys(settingsSchema.shape)).toEqual(expect.arrayContaining(["SERVICEBUS_QUEUE", "SERVICEBUS_CONNECTION__fullyQualifiedNamespace"]));
  });

  it("runs the notifier every minute", async () => {
    expect((await registerApp()).get("notifier")?.options.schedule).toBe("0 * * * * *");
  });
});

/** Only `routes` is read: the router's table does not touch its dependencies until a request comes. */
function fakeApiDeps(): ApiDeps {
  const stub: Record<string, unknown> = { auth: { mode: "none" } };
  return new Proxy(stub, { get: (target, key: string) => (key in target ? target[key] : () => undefined) }) as unknown as ApiDeps;
}

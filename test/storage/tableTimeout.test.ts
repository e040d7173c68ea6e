import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeAll } from "../../shared/doctor/health.js";
import { DependencyTimeoutError } from "../../shared/errors.js";
import { createTableStores, type TableStores } from "../../shared/storage/tableStores.js";

/** Azurite's well-known development account (public, documented); the server below never checks it. */
const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** A TCP server that accepts connections and never says a word: the worst kind of storage outage. */
let silent: Server;
const sockets: Socket[] = [];
let stores: TableStores;

beforeAll(async () => {
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const port = (silent.address() as { port: number }).port;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;
  stores = createTableStores({ connectionString }, { operationTimeoutMs: 300 });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe("Table Storage that never answers", () => {
  it("fails the storage probe with a clear timeout instead of waiting", async () => {
    const failure = await stores.ping().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DependencyTimeoutError);
    expect((failure as Error).message).toMatch(/Table Storage did not answer .* within 0\.3 s/);
  }, 10_000);

  it("fails a store read the same way", async () => {
    await expect(stores.mappings.get({ collectionId: "SMS00001", groupId: "00000000-0000-0000-0000-000000000001" })).rejects.toThrow(DependencyTimeoutError);
    await expect(stores.runs.list("SMS00001:00000000-0000-0000-0000-000000000001")).rejects.toThrow(/did not answer/);
  }, 10_000);

  it("reports storage down in health with the reason, not a hang", async () => {
    const report = await probeAll({ storage: () => stores.ping() }, 5_000);
    expect(report.checks).toEqual([expect.objectContaining({ name: "storage", ok: false, detail: expect.stringMatching(/did not answer/) })]);
  }, 10_000);
});

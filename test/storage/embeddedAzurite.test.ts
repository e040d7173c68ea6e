import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { afterEach, describe, expect, it } from "vitest";
import { azuriteConnectionString, startEmbeddedAzurite, type EmbeddedAzurite } from "../../shared/storage/embeddedAzurite.js";

let store: EmbeddedAzurite | undefined;
let folder: string;
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(folder, { recursive: true, force: true });
});

function table(connectionString: string): TableClient {
  return TableClient.fromConnectionString(connectionString, "mappings", { allowInsecureConnection: true });
}

const accountKey = (connectionString: string) => /AccountKey=([^;]+)/.exec(connectionString)?.[1];

async function status(work: Promise<unknown>): Promise<number> {
  return work.then(
    () => 200,
    (error: { statusCode?: number }) => error.statusCode ?? 0,
  );
}

describe("the embedded store serve keeps on disk", () => {
  it("has its own random account key, kept in its folder: the public development key is refused", async () => {
    folder = mkdtempSync(join(tmpdir(), "csync-azurite-"));
    store = await startEmbeddedAzurite({ location: join(folder, "azurite") });
    await table(store.connectionString).createTable();
    await table(store.connectionString).createEntity({ partitionKey: "PS100020", rowKey: "group", device: "DESKTOP-0001" });

    expect(await status(table(azuriteConnectionString(store.endpoint)).getEntity("PS100020", "group"))).toBe(403);
    const firstKey = accountKey(store.connectionString);
    expect(firstKey).not.toBe(accountKey(azuriteConnectionString(store.endpoint)));

    await store.close();
    store = await startEmbeddedAzurite({ location: join(folder, "azurite") });
    expect(accountKey(store.connectionString)).toBe(firstKey);
    expect((await table(store.connectionString).getEntity("PS100020", "group")).device).toBe("DESKTOP-0001");
  });

  it("keeps its folder 0700 and its files 0600 in the process that runs it, also when an older version left them readable", async () => {
    folder = mkdtempSync(join(tmpdir(), "csync-azurite-"));
    const location = join(folder, "azurite");
    mkdirSync(location, { mode: 0o755 });
    chmodSync(location, 0o755);
    writeFileSync(join(location, "left-by-an-older-version.json"), "{}", { mode: 0o644 });

    const run = spawnSync(
      process.execPath,
      [
        "--import",
        fileURLToPath(new URL("../support/typescriptLoader.mjs", import.meta.url)),
        fileURLToPath(new URL("./support/diskStoreChild.ts", import.meta.url)),
        location,
      ],
      { encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);

    expect(statSync(location).mode & 0o777).toBe(0o700);
    const files = readdirSync(location);
    expect(files).toEqual(expect.arrayContaining(["account-key", "__azurite_db_table__.json", "left-by-an-older-version.json"]));
    for (const name of files) expect(statSync(join(location, name)).mode & 0o777, name).toBe(0o600);
  });

  it("leaves in-memory stores (the tests' own) on the development key", async () => {
    folder = mkdtempSync(join(tmpdir(), "csync-azurite-"));
    store = await startEmbeddedAzurite();
    expect(store.connectionString).toBe(azuriteConnectionString(store.endpoint));
    expect(await status(table(store.connectionString).createTable())).toBe(200);
  });
});

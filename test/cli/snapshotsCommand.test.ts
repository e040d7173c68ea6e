import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bufferIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";
import { openLocalRuntime } from "../../cli/runtime.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";
import { snapshotDevice, uploadSnapshot } from "../snapshots/snapshotUploads.js";
import type { ApiRequest } from "../../shared/api/apiMessages.js";

let tenant: SimulatedTenant;
let dataDir: string;
let env: Record<string, string>;

beforeEach(async () => {
  tenant = await startSimulatedTenant({ seed: scenarioSeed({ collection: range(1, 3).map((n) => entraDevice(n)) }) });
  dataDir = mkdtempSync(join(tmpdir(), "collection-sync-snapshots-cli-"));
  env = { SOURCE_MODE: "pushed", GRAPH_BASE_URL: tenant.graphBaseUrl };
});

afterEach(async () => {
  await tenant.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, { io, env, dataDir });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** A mapping and a committed snapshot in the CLI's own store, as `serve` and a collector would have left them. */
async function storeSnapshot(): Promise<string> {
  const runtime = await openLocalRuntime({ env, io: bufferIo(), dataDir });
  try {
    const { createMappingsApi } = await import("../../shared/api/router.js");
    const api = createMappingsApi(runtime.services.api);
    const call = async (method: string, path: string, options: { body?: unknown } = {}) => {
      const body = options.body;
      const request: ApiRequest = {
        method,
        path,
        query: new URLSearchParams(),
        headers: { "content-type": body instanceof Uint8Array ? "application/gzip" : "application/json" },
        body: body === undefined ? null : body instanceof Uint8Array ? body : JSON.stringify(body),
      };
      const response = await api.handle(request);
      return { status: response.status, headers: response.headers, body: response.jsonBody as any };
    };
    expect((await call("POST", "/mappings", { body: { collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, memberType: "device" } })).status).toBe(201);
    const { snapshotId, commit } = await uploadSnapshot(
      { call },
      DEVICE_COLLECTION,
      range(1, 3).map((n) => snapshotDevice(n)),
    );
    expect(commit.status).toBe(200);
    return snapshotId;
  } finally {
    await runtime.close();
  }
}

describe("collection-sync snapshots discard", () => {
  it("drops the collection's current snapshot and says what was dropped; a second discard finds none (exit 2)", async () => {
    const snapshotId = await storeSnapshot();

    const discarded = await cli("snapshots", "discard", DEVICE_COLLECTION);

    expect(discarded.stderr).toBe("");
    expect(discarded.code).toBe(0);
    expect(discarded.stdout).toContain(`Discarded snapshot ${snapshotId} of ${DEVICE_COLLECTION} (3 members`);
    const again = await cli("snapshots", "discard", DEVICE_COLLECTION);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`Collection ${DEVICE_COLLECTION} has no current snapshot`);
  });

  it("refuses a malformed collection id, a missing one and an unknown action with exit 2", async () => {
    for (const argv of [
      ["snapshots", "discard", "PS1'0001"],
      ["snapshots", "discard"],
      ["snapshots", "drop", DEVICE_COLLECTION],
    ]) {
      const result = await cli(...argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/collection-sync: /);
    }
  });
});

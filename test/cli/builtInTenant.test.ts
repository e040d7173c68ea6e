import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bufferIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";
import { DEMO_DEVICE_COLLECTION, DEMO_GROUP_ID } from "../../simulator/index.js";

const dataDir = mkdtempSync(join(tmpdir(), "collection-sync-builtin-"));
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = bufferIo();
  const code = await main(argv, { io, env: {}, dataDir });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe("the CLI on the built-in simulated tenant", () => {
  it("keeps the tenant's state between commands, so a second sync finds nothing to add", async () => {
    expect((await cli("mappings", "add", "--collection", DEMO_DEVICE_COLLECTION, "--group", DEMO_GROUP_ID)).code).toBe(0);

    const first = await cli("sync", "--json");
    const second = await cli("sync", "--json");

    expect(first.stderr).toContain("built-in simulated tenant");
    const [run1] = JSON.parse(first.stdout).runs as Array<{ counts: { added: number } }>;
    const [run2] = JSON.parse(second.stdout).runs as Array<{ status: string; counts: { added: number; alreadyPresent: number } }>;
    expect(run1?.counts.added).toBe(17);
    // The saved tenant keeps members but not its delta tokens, so the second run reads the group in full.
    expect(run2).toMatchObject({ status: "succeeded", counts: { added: 0, alreadyPresent: 17 } });
  });
});

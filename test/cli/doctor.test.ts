import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bufferIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { DEVICE_COLLECTION, GROUP_ID, entraDevice, range, scenarioSeed } from "../support/fixtures.js";

let tenant: SimulatedTenant;
let dataDir: string;
let env: Record<string, string>;

beforeEach(async () => {
  tenant = await startSimulatedTenant({ seed: scenarioSeed({ collection: range(1, 3).map((n) => entraDevice(n)) }) });
  dataDir = mkdtempSync(join(tmpdir(), "collection-sync-doctor-"));
  env = { GRAPH_BASE_URL: tenant.graphBaseUrl, ADMINSERVICE_URL: tenant.adminServiceUrl };
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

describe("collection-sync doctor", () => {
  it("prints one line per check and exits 0 when nothing failed", async () => {
    await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);

    const doctor = await cli("doctor");

    expect(doctor.stderr).toBe("");
    expect(doctor.code).toBe(0);
    const lines = doctor.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^✔ Table Storage: answered in \d+ ms$/);
    expect(doctor.stdout).toMatch(/^✔ AdminService reachable: 127\.0\.0\.1:\d+ answered HTTP 200/m);
    expect(doctor.stdout).toContain("– AdminService sign-in: the loopback simulated AdminService takes no credentials");
    expect(doctor.stdout).toContain(`✔ Collection ${DEVICE_COLLECTION}: "Autopilot devices": device collection, 3 members`);
    expect(doctor.stdout).toContain("– Graph token: the loopback simulated tenant issues no tokens");
    expect(doctor.stdout).toContain(`✔ Group ${GROUP_ID} ← ${DEVICE_COLLECTION}: "Autopilot Devices"`);
    expect(doctor.stdout).not.toContain("✘");
    expect(lines.at(-1)).toMatch(/^\d+ passed, 0 failed, 3 not applicable\.$/);
  });

  it("exits 1 and prints the fix under the failed line when the AdminService refuses the app", async () => {
    tenant.faults.add({ service: "adminService", status: 403 });

    const doctor = await cli("doctor");

    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(
      /^✘ AdminService sign-in: the AdminService answered 403 to .*\(ADMINSERVICE_AUTH=none\)\n {4}fix: The AdminService refused .*Read-only Analyst/m,
    );
  });

  it("exits 1 when a mapped group became dynamic", async () => {
    await cli("mappings", "add", "--collection", DEVICE_COLLECTION, "--group", GROUP_ID);
    tenant.updateGroup(GROUP_ID, { groupTypes: ["DynamicMembership"], membershipRule: "(device.accountEnabled -eq true)" });

    const doctor = await cli("doctor");

    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(`✘ Group ${GROUP_ID} ← ${DEVICE_COLLECTION}: Group "Autopilot Devices" has dynamic membership`);
  });

  it("prints the diagnosis as JSON with --json", async () => {
    const doctor = await cli("doctor", "--json");

    expect(doctor.code).toBe(0);
    const diagnosis = JSON.parse(doctor.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; detail: string }> };
    expect(diagnosis.ok).toBe(true);
    expect(diagnosis.checks).toContainEqual({ name: "Graph app roles", status: "na", detail: expect.stringContaining("no roles claim") });
  });

  it("exits 2 on bad arguments, before touching anything", async () => {
    const doctor = await cli("doctor", "--verbose");

    expect(doctor.code).toBe(2);
    expect(doctor.stderr).toContain("Unknown option '--verbose'");
    expect(doctor.stdout).toBe("");
  });
});

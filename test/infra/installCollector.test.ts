import { describe, expect, it } from "vitest";
import { settingsSchema } from "../../shared/config/settings.js";
import { readRepoFile } from "./support/bicep.js";

const SCRIPT = "infra/scripts/install-collector.ps1";

/** `"NAME=$Variable"` lines of the settings file the installer writes. */
function writtenSettings(): Map<string, string> {
  const script = readRepoFile(SCRIPT);
  return new Map([...script.matchAll(/^\s*"([A-Z_]+)=\$(\w+)"\s*$/gm)].map((match) => [match[1] ?? "", match[2] ?? ""]));
}

describe("installing the collector (infra/scripts/install-collector.ps1)", () => {
  it("writes only settings the collector knows: where the app is, how to get its token, where the AdminService is", () => {
    const settings = writtenSettings();
    const known = new Set(Object.keys(settingsSchema.shape));
    expect([...settings.keys()].filter((name) => !known.has(name))).toEqual([]);
    expect([...settings.keys()].sort()).toEqual(["ADMINSERVICE_URL", "COLLECTOR_APP_ID_URI", "COLLECTOR_APP_URL", "COLLECTOR_INTERVAL_SECONDS"]);
  });

  it("runs `collect` as the gMSA with the settings file, installing Node 20 or later when missing", () => {
    const script = readRepoFile(SCRIPT);
    expect(script).toContain("New-ScheduledTaskPrincipal -UserId $Gmsa -LogonType Password");
    expect(script).toMatch(/--env-file=`"\$envFile`" `"\$main`" \$collectArgs/);
    expect(script).toContain("(Get-NodeMajor) -lt 20");
    // The settings file is readable by its owners only.
    expect(script).toMatch(/icacls\.exe \$envFile \/inheritance:r/);
  });
});

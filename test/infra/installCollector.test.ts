import { describe, expect, it } from "vitest";
import { ADMINSERVICE_AUTH_MODES, settingsSchema } from "../../shared/config/settings.js";
import { readRepoFile } from "./support/bicep.js";

const SCRIPT = "infra/scripts/install-collector.ps1";

/** `"NAME=$Variable"` lines of the settings file the installer writes (also those it adds with `+=`). */
function writtenSettings(): Map<string, string> {
  const script = readRepoFile(SCRIPT);
  return new Map([...script.matchAll(/^\s*(?:.*\+= )?"([A-Z_]+)=\$(\w+)"\s*\}?\s*$/gm)].map((match) => [match[1] ?? "", match[2] ?? ""]));
}

/** The default of a `[string] $Name = 'value'` parameter, and the values its ValidateSet allows. */
function parameter(name: string): { default: string | null; allowed: string[] } {
  const script = readRepoFile(SCRIPT);
  const line = script.split("\n").find((l) => l.includes(`[string] $${name}`)) ?? "";
  const allowed =
    /ValidateSet\(([^)]*)\)/
      .exec(line)?.[1]
      ?.split(",")
      .map((v) => v.trim().replace(/'/g, "")) ?? [];
  return { default: /=\s*'([^']*)'/.exec(line)?.[1] ?? null, allowed };
}

describe("installing the collector (infra/scripts/install-collector.ps1)", () => {
  it("writes only settings the collector knows: where the app is, how to get its token, where the AdminService is", () => {
    const settings = writtenSettings();
    // AZURE_CLIENT_CERTIFICATE_PATH is read by @azure/identity's environment credential, not by the code.
    const known = new Set([...Object.keys(settingsSchema.shape), "AZURE_CLIENT_CERTIFICATE_PATH"]);
    expect([...settings.keys()].filter((name) => !known.has(name))).toEqual([]);
    expect([...settings.keys()].sort()).toEqual([
      "ADMINSERVICE_AUTH",
      "ADMINSERVICE_SCOPE",
      "ADMINSERVICE_URL",
      "AZURE_CLIENT_CERTIFICATE_PATH",
      "AZURE_CLIENT_ID",
      "AZURE_TENANT_ID",
      "COLLECTOR_APP_ID_URI",
      "COLLECTOR_APP_URL",
      "COLLECTOR_INTERVAL_SECONDS",
    ]);
  });

  it("tells the collector how to sign in to the AdminService: negotiate (the gMSA's own identity) unless told otherwise", () => {
    expect(writtenSettings().get("ADMINSERVICE_AUTH")).toBe("AdminServiceAuth");
    const auth = parameter("AdminServiceAuth");
    expect(auth.default).toBe("negotiate");
    // Every choice is a mode the collector's settings accept (a scheduled task cannot do an interactive sign-in).
    expect(auth.allowed.every((mode) => (ADMINSERVICE_AUTH_MODES as readonly string[]).includes(mode))).toBe(true);
    expect(auth.allowed).toContain("negotiate");
    expect(settingsSchema.shape.ADMINSERVICE_AUTH.safeParse(auth.default).success).toBe(true);
    // entra-app needs its scope, or the collector would refuse to start.
    expect(readRepoFile(SCRIPT)).toMatch(/if \(\$AdminServiceAuth -eq 'entra-app' -and -not \$AdminServiceScope\) \{\s*throw/);
  });

  it("with -ClientId signs the collector in with a certificate made on the server, its key readable by the gMSA only", () => {
    const script = readRepoFile(SCRIPT);
    const settings = writtenSettings();
    expect([settings.get("AZURE_CLIENT_ID"), settings.get("AZURE_TENANT_ID"), settings.get("AZURE_CLIENT_CERTIFICATE_PATH")]).toEqual([
      "ClientId",
      "TenantId",
      "certificatePem",
    ]);
    // The folder is locked down before the key is written into it, and an existing key is kept on a re-run.
    expect(script.indexOf("icacls.exe $certDir /inheritance:r")).toBeLessThan(script.indexOf("$rsa.ExportPkcs8PrivateKeyPem()"));
    expect(script).toMatch(/if \(-not \(Test-Path \$certificatePem\)\)/);
    // Only the public half is handed out, with the command that adds it to the registration.
    expect(script).toContain("az ad app credential reset --id $ClientId --cert @collector.cer --append");
  });

  it("runs `collect` as the gMSA with the settings file, installing Node 20 or later when missing", () => {
    const script = readRepoFile(SCRIPT);
    expect(script).toContain("New-ScheduledTaskPrincipal -UserId $Gmsa -LogonType Password");
    expect(script).toMatch(/--env-file=`"\$envFile`" `"\$main`" \$collectArgs/);
    expect(script).toContain("(Get-NodeMajor) -lt 20");
    // The settings file is readable by its owners only.
    expect(script).toMatch(/icacls\.exe \$envFile \/inheritance:r/);
  });

  it("keeps the collector's data folder (its source identity cache: device names, UPNs) to Administrators, SYSTEM and the gMSA", () => {
    const script = readRepoFile(SCRIPT);
    // The task's working directory is $DataDir, so the collector's data folder is $DataDir\.collection-sync.
    expect(script).toMatch(/New-ScheduledTaskAction .* -WorkingDirectory \$DataDir/);
    expect(script).toContain("$stateDir = Join-Path $DataDir '.collection-sync'");
    expect(script).toMatch(
      /icacls\.exe \$stateDir \/inheritance:r \/grant:r 'BUILTIN\\Administrators:\(OI\)\(CI\)F' 'NT AUTHORITY\\SYSTEM:\(OI\)\(CI\)F' "\$\{Gmsa\}:\(OI\)\(CI\)M"/,
    );
  });
});

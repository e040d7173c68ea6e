import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TokenCredential } from "@azure/identity";
import { afterEach, describe, expect, it } from "vitest";
import { loadSettings } from "../../shared/config/settings.js";
import { bearerAdminServiceAuth, type AdminServiceAuth } from "../../shared/configmgr/adminServiceAuth.js";
import { createAdminServiceSourceProvider } from "../../shared/configmgr/adminServiceSource.js";
import { principalOf } from "../../shared/configmgr/keytab.js";
import { loadKerberos, type KerberosModule } from "../../shared/configmgr/negotiateAuth.js";
import { openAdminServiceAuth } from "../../shared/configmgr/openAdminServiceAuth.js";
import { ConfigError, SourceReadError } from "../../shared/errors.js";
import { startFakeAdminService } from "./fakeAdminService.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const credential: TokenCredential = { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) };

/** A version-2 keytab holding one entry for `components`@`realm` (the layout MIT's ktutil and Windows' ktpass write). */
function keytabBytes(realm: string, components: string[]): Buffer {
  const text = (value: string) => {
    const bytes = Buffer.from(value, "utf8");
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const count = Buffer.alloc(2);
  count.writeUInt16BE(components.length);
  const tail = Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 3, 0, 18, 0, 2, 0xaa, 0xbb]); // name type, timestamp, kvno, key
  const entry = Buffer.concat([count, text(realm), ...components.map(text), tail]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(entry.length);
  return Buffer.concat([Buffer.from([0x05, 0x02]), size, entry]);
}

describe("an AdminService that refuses the app's identity", () => {
  it.each([401, 403])("fails the read on %i at once, naming the identity, the auth mode and the ConfigMgr role it needs", async (status) => {
    const fake = await startFakeAdminService(() => ({ status, body: { error: { code: "Forbidden", message: "Access denied" } } }));
    closers.push(fake.close);
    const auth: AdminServiceAuth = bearerAdminServiceAuth({
      mode: "entra-app",
      credential,
      scope: "https://ConfigMgrService/.default",
      identity: () => "the app's managed identity 0000",
    });
    const source = createAdminServiceSourceProvider({ baseUrl: fake.baseUrl, auth }).open();

    const failure = await source.getCollection("PS100001").catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(SourceReadError);
    expect((failure as SourceReadError).kind).toBe("access-denied");
    expect((failure as Error).message).toMatch(
      new RegExp(
        `^The AdminService refused the app's managed identity 0000 \\(ADMINSERVICE_AUTH=entra-app\\) with ${status}\\. .*administrative user with at least the Read-only Analyst role on the mapped collections.*not a documented way in`,
      ),
    );
    expect((failure as Error).message).toContain("Access denied");
    expect(fake.seen).toHaveLength(1);
  });
});

describe("opening ADMINSERVICE_AUTH at start-up", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  /** Stands in for the optional native package, which a machine without libkrb5-dev does not have. */
  const fakeKerberos: KerberosModule = {
    initializeClient: async () => ({ step: async () => "dG9rZW4=", contextComplete: false }),
    GSS_MECH_OID_SPNEGO: 6,
    GSS_C_MUTUAL_FLAG: 2,
    GSS_C_SEQUENCE_FLAG: 8,
  };
  const deps = { appCredential: credential, processEnv: {} as NodeJS.ProcessEnv, loadKerberos: async () => fakeKerberos };

  it("refuses negotiate at start-up, saying what to install, when the kerberos package is missing", async () => {
    const settings = loadSettings({ ADMINSERVICE_URL: "https://cm01.contoso.com/AdminService", ADMINSERVICE_AUTH: "negotiate" });
    const missing = () => loadKerberos("kerberos-package-that-is-not-installed");
    const failure = await openAdminServiceAuth(settings, settings.ADMINSERVICE_URL ?? "", { ...deps, loadKerberos: missing }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).issues[0]).toMatch(
      /^ADMINSERVICE_AUTH=negotiate needs the optional npm package "kerberos".*apt-get install libkrb5-dev.*npm rebuild kerberos/,
    );
  });

  it("needs no identity for the loopback simulator", async () => {
    const auth = await openAdminServiceAuth(loadSettings({}), "http://127.0.0.1:5000/AdminService", deps);
    expect(auth.mode).toBe("none");
  });

  it("names the managed identity for entra-app", async () => {
    const settings = loadSettings({
      ADMINSERVICE_URL: "https://cmg.contoso.com/CCM_Proxy_MutualAuth/1/AdminService",
      ADMINSERVICE_AUTH: "entra-app",
      ADMINSERVICE_SCOPE: "https://ConfigMgrService/.default",
      AZURE_CLIENT_ID: "0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5",
    });
    const auth = await openAdminServiceAuth(settings, settings.ADMINSERVICE_URL ?? "", deps);
    expect(auth.mode).toBe("entra-app");
    expect(auth.identity()).toBe("the app's managed identity 0f3c9a7e-1d2b-4c5d-8e9f-a0b1c2d3e4f5 (app-only token)");
  });

  it("reads the principal of a negotiate keytab, given as a file or as base64, and points Kerberos at a private cache", async () => {
    const dir = mkdtempSync(join(tmpdir(), "csync-keytab-"));
    dirs.push(dir);
    const path = join(dir, "svc.keytab");
    writeFileSync(path, keytabBytes("CONTOSO.COM", ["svc-csync"]));
    const processEnv: NodeJS.ProcessEnv = {};
    const base = { ADMINSERVICE_URL: "https://cm01.contoso.com/AdminService", ADMINSERVICE_AUTH: "negotiate" };

    const fromFile = await openAdminServiceAuth(loadSettings({ ...base, ADMINSERVICE_KEYTAB: path }), base.ADMINSERVICE_URL, { ...deps, processEnv });
    const fromSecret = await openAdminServiceAuth(
      loadSettings({ ...base, ADMINSERVICE_KEYTAB_BASE64: keytabBytes("CONTOSO.COM", ["svc-csync"]).toString("base64") }),
      base.ADMINSERVICE_URL,
      deps,
    );

    expect(fromFile.identity()).toBe(`Kerberos principal svc-csync@CONTOSO.COM (keytab ${path})`);
    expect(fromSecret.identity()).toBe("Kerberos principal svc-csync@CONTOSO.COM (keytab from ADMINSERVICE_KEYTAB_BASE64)");
    expect(processEnv["KRB5_CLIENT_KTNAME"]).toBe(`FILE:${path}`);
    expect(processEnv["KRB5CCNAME"]).toMatch(/^MEMORY:collection-sync-[0-9a-f]{12}$/);
  });

  it("refuses at start-up a keytab that is not one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "csync-keytab-"));
    dirs.push(dir);
    const path = join(dir, "not.keytab");
    writeFileSync(path, "hello");
    const settings = loadSettings({ ADMINSERVICE_URL: "https://cm01.contoso.com/AdminService", ADMINSERVICE_AUTH: "negotiate", ADMINSERVICE_KEYTAB: path });
    await expect(openAdminServiceAuth(settings, settings.ADMINSERVICE_URL ?? "", deps)).rejects.toThrow(ConfigError);
    await expect(openAdminServiceAuth(settings, settings.ADMINSERVICE_URL ?? "", deps)).rejects.toThrow(/is not a Kerberos keytab \(make it with ktpass/);
  });
});

describe("the keytab decoded from ADMINSERVICE_KEYTAB_BASE64", () => {
  const loader = fileURLToPath(new URL("../support/typescriptLoader.mjs", import.meta.url));
  const child = fileURLToPath(new URL("./support/keytabChild.ts", import.meta.url));
  const secret = keytabBytes("CONTOSO.COM", ["svc-csync"]).toString("base64");
  let parent: string;
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  /** A real process that decodes the keytab with TMPDIR=parent; resolves with the path it printed. */
  function startProcess(mode: "exit" | "wait") {
    const proc = spawn(process.execPath, ["--import", loader, child, mode, secret], {
      env: { ...process.env, TMPDIR: parent },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.on("close", (code, signal) => resolve({ code, signal })),
    );
    const path = new Promise<string>((resolve, reject) => {
      proc.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
      void ended.then(({ code }) => reject(new Error(`the process ended (${code}) before printing the keytab path: ${stderr}`)));
    });
    return { proc, path, ended };
  }

  function freshParent(): string {
    parent = mkdtempSync(join(tmpdir(), "csync-keytab-parent-"));
    return parent;
  }

  it("is readable by its own user only (a 0600 file in a 0700 folder) and removed when the process exits", async () => {
    freshParent();
    const run = startProcess("exit");
    const path = await run.path;
    expect(path.startsWith(`${parent}/`)).toBe(true);
    expect((await run.ended).code).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);

    const writing = startProcess("wait");
    const held = await writing.path;
    expect(statSync(held).mode & 0o777).toBe(0o600);
    expect(statSync(join(held, "..")).mode & 0o777).toBe(0o700);
    writing.proc.kill("SIGKILL");
    await writing.ended;
  });

  it.each(["SIGTERM", "SIGINT"] as const)("is removed when the process is stopped with %s, which still ends it", async (signal) => {
    freshParent();
    const run = startProcess("wait");
    const path = await run.path;
    expect(existsSync(path)).toBe(true);
    run.proc.kill(signal);
    expect((await run.ended).signal).toBe(signal);
    expect(existsSync(path)).toBe(false);
  });

  it("left behind by a killed process (SIGKILL) is removed at the next start", async () => {
    freshParent();
    const killed = startProcess("wait");
    const abandoned = await killed.path;
    killed.proc.kill("SIGKILL");
    await killed.ended;
    expect(existsSync(abandoned)).toBe(true);
    const another = join(parent, "another-app");
    mkdirSync(another);

    const next = startProcess("exit");
    await next.path;
    await next.ended;
    expect(existsSync(abandoned)).toBe(false);
    expect(readdirSync(parent)).toEqual(["another-app"]);
  });
});

describe("keytab principals", () => {
  it("joins a service principal's components and skips deleted entries", () => {
    const entry = keytabBytes("CONTOSO.COM", ["HTTP", "cm01.contoso.com"]);
    const hole = Buffer.alloc(4);
    hole.writeInt32BE(-3);
    const withHole = Buffer.concat([entry.subarray(0, 2), hole, Buffer.alloc(3), entry.subarray(2)]);
    expect(principalOf(withHole)).toBe("HTTP/cm01.contoso.com@CONTOSO.COM");
    expect(principalOf(Buffer.from([0x05, 0x01]))).toBeNull();
  });
});

/**
 * A real Kerberos realm and a real Negotiate-protected web server on loopback, for tests: MIT krb5kdc with a
 * realm in a temp dir, and Apache httpd with mod_auth_gssapi (AuthType GSSAPI) proxying to an upstream URL
 * (the simulated AdminService). Every run has its own realm name, ports and files, so runs never collide.
 *
 * Prerequisites (Debian): krb5-kdc krb5-admin-server libkrb5-dev apache2 libapache2-mod-auth-gssapi. Missing
 * ones make `startKerberosBed` throw, naming them: a Kerberos test must fail, never pass by skipping.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const BINARIES = {
  krb5kdc: "/usr/sbin/krb5kdc",
  kdb5_util: "/usr/sbin/kdb5_util",
  kadminLocal: "/usr/sbin/kadmin.local",
  apache2: "/usr/sbin/apache2",
} as const;
const MODULES = "/usr/lib/apache2/modules";
const APACHE_MODULES = ["mpm_event", "authn_core", "authz_core", "authz_user", "auth_gssapi", "proxy", "proxy_http"] as const;
export const DEBIAN_PACKAGES = "krb5-kdc krb5-admin-server libkrb5-dev apache2 libapache2-mod-auth-gssapi";

/** The host name clients use: it resolves to loopback, and krb5.conf maps it to the realm without DNS. */
export const BED_HOST = "localhost";

export interface KerberosBedOptions {
  /** Where Apache forwards authenticated requests, e.g. the simulated tenant's `http://127.0.0.1:PORT`. */
  readonly upstream: string;
  /**
   * The host part of the SPN whose key Apache holds. Default BED_HOST (the SPN clients ask for); another name
   * makes Apache an impostor that cannot read the tickets clients bring.
   */
  readonly serverSpnHost?: string;
}

export interface KerberosBed {
  /** `http://localhost:PORT`: Apache, in front of the upstream (its paths unchanged). */
  readonly url: string;
  readonly realm: string;
  /** Set as KRB5_CONFIG in every process that uses this realm (the product, kinit, ...). */
  readonly krb5Config: string;
  /** The principal of the ConfigMgr administrative account the tests use, and its client keytab. */
  readonly clientPrincipal: string;
  readonly clientKeytab: string;
  /** A new principal with a random key and its own keytab file; returns the keytab path. */
  addClient(name: string): Promise<string>;
  /** Writes a fresh keytab for `name`, which changes its key: keytabs written before are stale from then on. */
  rekey(name: string): Promise<string>;
  deletePrincipal(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startKerberosBed(options: KerberosBedOptions): Promise<KerberosBed> {
  assertPrerequisites();
  const dir = await mkdtemp(join(tmpdir(), "csync-krb-"));
  await chmod(dir, 0o755); // Apache's children run as www-data and must reach their keytab
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopChild));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const realm = `CSYNC${randomBytes(4).toString("hex").toUpperCase()}.TEST`;
    const [kdcPort, httpPort] = [await freePort(), await freePort()];
    const krb5Config = join(dir, "krb5.conf");
    const kdcConfig = join(dir, "kdc.conf");
    await writeFile(krb5Config, krb5Conf(realm, kdcPort));
    await writeFile(kdcConfig, kdcConf(realm, kdcPort, dir));
    const env = { ...process.env, KRB5_CONFIG: krb5Config, KRB5_KDC_PROFILE: kdcConfig };
    await run(BINARIES.kdb5_util, ["create", "-s", "-r", realm, "-P", randomBytes(16).toString("hex")], { env });
    const kadmin = async (query: string): Promise<void> => {
      const { stderr } = await run(BINARIES.kadminLocal, ["-r", realm, "-q", query], { env });
      if (/error|not found|cannot|unable/i.test(stderr)) throw new Error(`kadmin.local "${query}": ${stderr.trim()}`);
    };
    const keytab = async (name: string): Promise<string> => {
      const path = join(dir, `${name.replace(/[^A-Za-z0-9]/g, "_")}-${randomBytes(3).toString("hex")}.keytab`);
      await kadmin(`ktadd -k ${path} ${name}`);
      return path;
    };
    const addClient = async (name: string): Promise<string> => {
      await kadmin(`addprinc -randkey ${name}`);
      return keytab(name);
    };

    await kadmin(`addprinc -randkey HTTP/${BED_HOST}`);
    const serverSpnHost = options.serverSpnHost ?? BED_HOST;
    if (serverSpnHost !== BED_HOST) await kadmin(`addprinc -randkey HTTP/${serverSpnHost}`);
    const serverKeytab = await keytab(`HTTP/${serverSpnHost}`);
    await chown(serverKeytab, 33, 33); // www-data
    await chmod(serverKeytab, 0o400);
    const clientPrincipal = `csync-admin@${realm}`;
    const clientKeytab = await addClient("csync-admin");

    const kdc = spawn(BINARIES.krb5kdc, ["-n", "-r", realm], { env, stdio: ["ignore", "ignore", "pipe"] });
    children.push(kdc);
    await waitForPort(kdcPort, kdc, () => readLog(join(dir, "kdc.log")));

    const rcache = join(dir, "rcache");
    await mkdir(rcache);
    await chown(rcache, 33, 33);
    const apacheConf = join(dir, "httpd.conf");
    await writeFile(apacheConf, httpdConf({ dir, httpPort, serverKeytab, upstream: options.upstream }));
    const apache = spawn(BINARIES.apache2, ["-f", apacheConf, "-DFOREGROUND"], {
      env: { ...env, KRB5RCACHEDIR: rcache },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(apache);
    await waitForPort(httpPort, apache, () => readLog(join(dir, "error.log")));

    return {
      url: `http://${BED_HOST}:${httpPort}`,
      realm,
      krb5Config,
      clientPrincipal,
      clientKeytab,
      addClient,
      rekey: keytab,
      deletePrincipal: (name) => kadmin(`delprinc -force ${name}`),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function assertPrerequisites(): void {
  const missing = [...Object.values(BINARIES), ...APACHE_MODULES.map((name) => `${MODULES}/mod_${name}.so`)].filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(
      `The Kerberos test bed needs the Debian packages ${DEBIAN_PACKAGES} (apt-get install -y ${DEBIAN_PACKAGES}); missing: ${missing.join(", ")}`,
    );
  }
  if (process.getuid?.() !== 0) throw new Error("The Kerberos test bed runs Apache as www-data and must start as root (as CI does)");
}

function krb5Conf(realm: string, kdcPort: number): string {
  // No DNS anywhere: the SPN is HTTP/<host as written in the URL>, mapped to the realm by [domain_realm].
  return `[libdefaults]
  default_realm = ${realm}
  dns_lookup_realm = false
  dns_lookup_kdc = false
  dns_canonicalize_hostname = false
  rdns = false
  udp_preference_limit = 1
  forwardable = false

[realms]
  ${realm} = {
    kdc = 127.0.0.1:${kdcPort}
  }

[domain_realm]
  ${BED_HOST} = ${realm}
`;
}

function kdcConf(realm: string, kdcPort: number, dir: string): string {
  return `[kdcdefaults]
  kdc_ports = ${kdcPort}
  kdc_tcp_ports = ${kdcPort}

[realms]
  ${realm} = {
    database_name = ${dir}/principal
    key_stash_file = ${dir}/stash
    acl_file = ${dir}/kadm5.acl
    kdc_ports = ${kdcPort}
    kdc_tcp_ports = ${kdcPort}
    max_life = 1h
  }

[logging]
  kdc = FILE:${dir}/kdc.log
`;
}

function httpdConf(o: { dir: string; httpPort: number; serverKeytab: string; upstream: string }): string {
  const upstream = o.upstream.replace(/\/+$/, "");
  return `ServerName ${BED_HOST}
Listen 127.0.0.1:${o.httpPort}
PidFile ${o.dir}/httpd.pid
DefaultRuntimeDir ${o.dir}
ErrorLog ${o.dir}/error.log
LogLevel warn
User www-data
Group www-data
${APACHE_MODULES.map((name) => `LoadModule ${name}_module ${MODULES}/mod_${name}.so`).join("\n")}

<Location />
  AuthType GSSAPI
  AuthName "AdminService"
  GssapiCredStore keytab:${o.serverKeytab}
  GssapiAllowedMech krb5
  Require valid-user
</Location>

ProxyPreserveHost On
ProxyPass / ${upstream}/
ProxyPassReverse / ${upstream}/
`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the daemon accepts TCP connections; fails with its log if it exits or takes too long. */
async function waitForPort(port: number, child: ChildProcess, log: () => Promise<string>): Promise<void> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${String(child.spawnfile)} exited (${child.exitCode}): ${stderr}${await log()}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${String(child.spawnfile)} did not listen on ${port} within 15 s: ${stderr}${await log()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function readLog(path: string): Promise<string> {
  return existsSync(path) ? `\n${(await readFile(path, "utf8")).slice(-2000)}` : "";
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

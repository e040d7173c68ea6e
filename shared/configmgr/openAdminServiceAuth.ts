import type { TokenCredential } from "@azure/identity";
import { type Settings } from "../config/settings.js";
import { isLoopbackHttp } from "../config/loopback.js";
import { ConfigError } from "../errors.js";
import { bearerAdminServiceAuth, noAdminServiceAuth, type AdminServiceAuth } from "./adminServiceAuth.js";
import { writeDecodedKeytab } from "./decodedKeytab.js";
import { keytabPrincipal } from "./keytab.js";
import { loadKerberos, negotiateAdminServiceAuth, useClientKeytab, type KerberosModule } from "./negotiateAuth.js";

export interface AdminServiceAuthDeps {
  /** The app's own identity (managed identity in Azure), for entra-app. */
  readonly appCredential: TokenCredential;
  /** The signed-in administrative user's credential, for entra-user (built by the caller, which knows where its token cache lives). */
  readonly userCredential?: () => { credential: TokenCredential; identity: () => string };
  /** The process environment the Kerberos library reads (KRB5_CLIENT_KTNAME, KRB5CCNAME). */
  readonly processEnv: NodeJS.ProcessEnv;
  /** Loads the optional `kerberos` package; default the real one. */
  readonly loadKerberos?: () => Promise<KerberosModule>;
}

/**
 * The AdminService authentication ADMINSERVICE_AUTH asks for, ready to use: a missing Kerberos library or an
 * unreadable keytab fails here, at start-up, with what to do — not in the first sync run.
 */
export async function openAdminServiceAuth(settings: Settings, adminServiceUrl: string | undefined, deps: AdminServiceAuthDeps): Promise<AdminServiceAuth> {
  // No AdminService to reach (SOURCE_MODE=pushed: the collector reads it, not the app).
  if (adminServiceUrl === undefined || adminServiceUrl === "") return noAdminServiceAuth;
  const mode = settings.ADMINSERVICE_AUTH;
  if (mode === undefined) {
    if (isLoopbackHttp(new URL(adminServiceUrl))) return noAdminServiceAuth;
    throw new ConfigError(["ADMINSERVICE_AUTH is required for a remote AdminService"]);
  }
  const scope = settings.ADMINSERVICE_SCOPE ?? "";
  if (mode === "entra-app") {
    const client = settings.AZURE_CLIENT_ID;
    const identity = client === undefined ? "the app's own identity (app-only token)" : `the app's managed identity ${client} (app-only token)`;
    return bearerAdminServiceAuth({ mode, credential: deps.appCredential, scope, identity: () => identity });
  }
  if (mode === "entra-user") {
    if (deps.userCredential === undefined) throw new ConfigError(["ADMINSERVICE_AUTH=entra-user is not available in this process"]);
    const user = deps.userCredential();
    return bearerAdminServiceAuth({ mode, credential: user.credential, scope, identity: user.identity });
  }
  let kerberos;
  try {
    kerberos = await (deps.loadKerberos ?? loadKerberos)();
  } catch (error) {
    throw new ConfigError([error instanceof Error ? error.message : String(error)]);
  }
  const keytab = await keytabFile(settings);
  if (keytab === null) return negotiateAdminServiceAuth(kerberos, () => "the process's Kerberos identity (default credential cache or Windows account)");
  useClientKeytab(deps.processEnv, keytab.path);
  const identity = `Kerberos principal ${keytab.principal} (keytab ${keytab.source})`;
  return negotiateAdminServiceAuth(kerberos, () => identity);
}

/** The client keytab as a file (GSSAPI reads files only): the configured path, or the base64 secret written to a private temp file removed on exit. */
async function keytabFile(settings: Settings): Promise<{ path: string; source: string; principal: string } | null> {
  let path = settings.ADMINSERVICE_KEYTAB;
  let source = path ?? "";
  if (settings.ADMINSERVICE_KEYTAB_BASE64 !== undefined) {
    path = await writeDecodedKeytab(settings.ADMINSERVICE_KEYTAB_BASE64);
    source = "from ADMINSERVICE_KEYTAB_BASE64";
  }
  if (path === undefined) return null;
  let principal: string | null;
  try {
    principal = await keytabPrincipal(path);
  } catch (error) {
    throw new ConfigError([`ADMINSERVICE_KEYTAB cannot be read (${source}): ${error instanceof Error ? error.message : String(error)}`]);
  }
  if (principal === null) throw new ConfigError([`ADMINSERVICE_KEYTAB ${source} is not a Kerberos keytab (make it with ktpass or ktutil, see docs/deploy.md)`]);
  return { path, source, principal };
}

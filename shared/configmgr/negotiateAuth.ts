import { createHash } from "node:crypto";
import { SourceReadError } from "../errors.js";
import type { AdminServiceAuth, AuthExchange } from "./adminServiceAuth.js";

/** The part of the npm `kerberos` package (MongoDB) this adapter uses; typed here because it is optional. */
export interface KerberosModule {
  initializeClient(service: string, options: { mechOID?: number; gssFlag?: number; principal?: string }): Promise<KerberosClient>;
  readonly GSS_MECH_OID_SPNEGO: number;
  readonly GSS_C_MUTUAL_FLAG: number;
  readonly GSS_C_SEQUENCE_FLAG: number;
}

export interface KerberosClient {
  step(challenge: string): Promise<string>;
  readonly contextComplete: boolean;
}

/** What to install when the optional `kerberos` package is missing (its native build needs the GSSAPI headers). */
export const KERBEROS_MISSING =
  'ADMINSERVICE_AUTH=negotiate needs the optional npm package "kerberos", which is not installed or did not build. ' +
  "On Debian/Ubuntu: apt-get install libkrb5-dev (plus build-essential and python3), then npm rebuild kerberos " +
  "(or npm install). On Windows it builds with the Visual Studio C++ build tools and uses the process's own Windows identity.";

/** Loads the optional `kerberos` package; throws the install advice when it is absent or its native part fails. */
export async function loadKerberos(name = "kerberos"): Promise<KerberosModule> {
  // A variable specifier keeps TypeScript from resolving a module that may legitimately be missing.
  let loaded: unknown;
  try {
    loaded = await import(name);
  } catch (error) {
    throw new Error(`${KERBEROS_MISSING} (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`, { cause: error });
  }
  const candidate = (loaded as { default?: unknown }).default ?? loaded;
  if (!isKerberosModule(candidate)) throw new Error(`${KERBEROS_MISSING} (the installed package has no initializeClient)`);
  return candidate;
}

function isKerberosModule(value: unknown): value is KerberosModule {
  return typeof value === "object" && value !== null && typeof (value as { initializeClient?: unknown }).initializeClient === "function";
}

/**
 * Points the process's GSSAPI at the client keytab (MIT Kerberos reads KRB5_CLIENT_KTNAME when it needs
 * initial credentials) and at a private in-memory credential cache, so tickets never land in — or come from —
 * a login session's cache. Without a keytab, GSSAPI uses the default cache (after `kinit`) on Linux and the
 * process's own identity through SSPI on Windows.
 */
export function useClientKeytab(env: NodeJS.ProcessEnv, keytabPath: string): void {
  env["KRB5_CLIENT_KTNAME"] = `FILE:${keytabPath}`;
  env["KRB5CCNAME"] = `MEMORY:collection-sync-${createHash("sha256").update(keytabPath).digest("hex").slice(0, 12)}`;
}

/**
 * SPNEGO (Negotiate) with Kerberos, as IIS's Windows authentication on the SMS Provider expects. The SPN is
 * HTTP@<host of the URL>; each request gets its own security context, whose token goes out with the request;
 * when the server answers with its own token (mutual authentication), it must verify or the answer is refused:
 * only the holder of the SPN's key can produce it.
 */
export function negotiateAdminServiceAuth(kerberos: KerberosModule, identity: () => string): AdminServiceAuth {
  return {
    mode: "negotiate",
    identity,
    async begin(url): Promise<AuthExchange> {
      const spn = `HTTP@${url.hostname}`;
      let client: KerberosClient;
      let token: string;
      try {
        client = await kerberos.initializeClient(spn, {
          mechOID: kerberos.GSS_MECH_OID_SPNEGO,
          gssFlag: kerberos.GSS_C_MUTUAL_FLAG | kerberos.GSS_C_SEQUENCE_FLAG,
        });
        token = await client.step("");
      } catch (error) {
        throw new SourceReadError(
          "access-denied",
          `Kerberos could not get a ticket for ${spn} as ${identity()} (ADMINSERVICE_AUTH=negotiate): ${gssMessage(error)}. ` +
            "Check the keytab (a password change or a new key version invalidates it), that the account exists in the domain, and that the SPN HTTP/<host> is registered for the SMS Provider.",
          { cause: error },
        );
      }
      return { authorization: `Negotiate ${token}`, verify: (response) => verifyServer(client, spn, response) };
    },
  };
}

async function verifyServer(client: KerberosClient, spn: string, response: Response): Promise<void> {
  const header = response.headers.get("www-authenticate");
  const match = header === null ? null : /(?:^|,)\s*Negotiate\s+([A-Za-z0-9+/=]+)/i.exec(header);
  if (match?.[1] === undefined) return;
  try {
    await client.step(match[1]);
  } catch (error) {
    throw new SourceReadError(
      "access-denied",
      `The AdminService answered, but could not prove it is ${spn} (Kerberos mutual authentication failed: ${gssMessage(error)}). ` +
        "Nothing was read: the URL may point at another server than the SMS Provider.",
      { cause: error },
    );
  }
}

function gssMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]?.slice(0, 300) ?? "";
}

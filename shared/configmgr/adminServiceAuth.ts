import type { TokenCredential } from "@azure/identity";
import { type AdminServiceAuthMode } from "../config/settings.js";
import { isLoopbackHttp } from "../config/loopback.js";
import { SourceReadError } from "../errors.js";

/**
 * How one request to the AdminService is authenticated. The HTTP client asks for a fresh exchange per request
 * (Negotiate contexts are single-use), sends its Authorization header and lets it check the answer (Kerberos
 * mutual authentication: the server proves it holds the key of the SPN the client asked a ticket for).
 */
export interface AdminServiceAuth {
  /** "none" only for the loopback simulator. */
  readonly mode: AdminServiceAuthMode | "none";
  /** Who the AdminService sees, for messages (never a secret): e.g. "the principal in keytab /x", "user a@b". */
  identity(): string;
  begin(url: URL): Promise<AuthExchange>;
}

export interface AuthExchange {
  /** The Authorization header value; null sends none. */
  readonly authorization: string | null;
  /** Checks a 2xx answer; throws a SourceReadError when the server's proof of identity does not verify. */
  verify(response: Response): Promise<void>;
}

const NOTHING_TO_VERIFY = async (): Promise<void> => undefined;

/** The loopback simulator takes no credentials (settings refuse plain http anywhere else). */
export const noAdminServiceAuth: AdminServiceAuth = {
  mode: "none",
  identity: () => "no identity (loopback simulator)",
  begin: async () => ({ authorization: null, verify: NOTHING_TO_VERIFY }),
};

/**
 * A bearer token for the ConfigMgr server app's scope: `entra-app` (the app's own identity, app-only) or
 * `entra-user` (a signed-in administrative user's delegated token). The credential caches and renews tokens.
 */
export function bearerAdminServiceAuth(options: {
  readonly mode: "entra-app" | "entra-user";
  readonly credential: TokenCredential;
  readonly scope: string;
  readonly identity: () => string;
}): AdminServiceAuth {
  const { mode, credential, scope } = options;
  return {
    mode,
    identity: options.identity,
    async begin(url) {
      // Never send a bearer token over plain http, except to a loopback address (it never leaves the machine).
      if (url.protocol !== "https:" && !isLoopbackHttp(url)) return { authorization: null, verify: NOTHING_TO_VERIFY };
      let token;
      try {
        token = await credential.getToken(scope);
      } catch (error) {
        // Already says what to do (e.g. sign the administrative user in again).
        if (error instanceof SourceReadError) throw error;
        const reason = error instanceof Error ? `: ${error.message.split("\n")[0]?.slice(0, 300) ?? ""}` : "";
        throw new SourceReadError(
          "access-denied",
          `Could not get a token for the AdminService as ${options.identity()} (ADMINSERVICE_AUTH=${mode}, scope ${scope})${reason}`,
          {
            cause: error,
          },
        );
      }
      if (token === null)
        throw new SourceReadError("access-denied", `No token for the AdminService as ${options.identity()} (ADMINSERVICE_AUTH=${mode}, scope ${scope})`);
      return { authorization: `Bearer ${token.token}`, verify: NOTHING_TO_VERIFY };
    },
  };
}

/**
 * What to tell an admin when the AdminService answers 401/403: which identity and auth mode it refused, and
 * what ConfigMgr needs (docs/deploy.md "Reaching the ConfigMgr AdminService").
 */
export function accessDeniedAdvice(auth: AdminServiceAuth, status: number): string {
  const who = `${auth.identity()} (ADMINSERVICE_AUTH=${auth.mode})`;
  const needs =
    "ConfigMgr lets only its administrative users read the AdminService: make this identity an administrative user with at least the Read-only Analyst role on the mapped collections (Administration > Security > Administrative Users)";
  const byMode: Record<AdminServiceAuth["mode"], string> = {
    negotiate:
      status === 401
        ? " The Kerberos ticket was refused: check that the keytab's principal is current (password changes invalidate it) and that the SPN HTTP/<host> of the URL belongs to the SMS Provider."
        : "",
    "entra-user": " Through a CMG the signed-in user must be discovered by Entra user discovery, with a UPN matching the administrative user.",
    "entra-app": " An app-only token is not a documented way in: prefer ADMINSERVICE_AUTH=negotiate or entra-user.",
    none: "",
  };
  return `The AdminService refused ${who} with ${status}. ${needs}.${byMode[auth.mode]}`;
}

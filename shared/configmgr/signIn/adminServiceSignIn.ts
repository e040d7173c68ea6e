import type { AccessToken, TokenCredential } from "@azure/identity";
import { AuthError, InteractionRequiredAuthError, PublicClientApplication, type AccountInfo, type AuthenticationResult } from "@azure/msal-node";
import type { Settings } from "../../config/settings.js";
import { ConfigError, SourceReadError } from "../../errors.js";
import { msalAuthority } from "./msalAuthority.js";
import { openTokenCacheStore } from "./openTokenCacheStore.js";
import { cachePluginFor, type TokenCacheStore } from "./tokenCacheStore.js";

/** The command an admin runs to sign the ConfigMgr administrative user in (again). */
export const SIGN_IN_COMMAND = "collection-sync adminservice sign-in";

/** An access token this close to expiry is renewed first, so a run never starts with a token about to lapse. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * ADMINSERVICE_AUTH=entra-user: a ConfigMgr administrative user signs in once with the device code flow; the
 * app then renews the delegated token silently from the refresh token in the token cache (docs/deploy.md
 * "entra-user: a ConfigMgr administrative user through a CMG").
 */
export interface AdminServiceSignIn {
  /** Where the token cache lives, for messages. */
  readonly cacheLocation: string;
  /** Runs the device code flow; `show` gets Entra's instruction ("open … and enter the code …"). */
  signIn(show: (instruction: string) => void): Promise<{ username: string; expiresOn: Date | null }>;
  /** Forgets the signed-in user (the refresh token with it); the signed-out user's name, or null if none. */
  signOut(): Promise<string | null>;
  /** The signed-in user, or null. */
  account(): Promise<AccountInfo | null>;
  /** A credential for the AdminService scope that renews silently, and who it is (for messages). */
  credential(): { credential: TokenCredential; identity: () => string };
}

/** The sign-in with its token cache where this process keeps secrets (openTokenCacheStore). */
export function openAdminServiceSignIn(settings: Settings, where: Parameters<typeof openTokenCacheStore>[1]): AdminServiceSignIn {
  return createAdminServiceSignIn(settings, openTokenCacheStore(settings, where));
}

export function createAdminServiceSignIn(settings: Settings, store: TokenCacheStore): AdminServiceSignIn {
  const { clientId, tenantId, scope } = signInSettings(settings);
  const authority = msalAuthority(settings.ADMINSERVICE_AUTHORITY_HOST, tenantId);
  const app = new PublicClientApplication({
    auth: { clientId, ...authority.auth },
    cache: { cachePlugin: cachePluginFor(store) },
    ...(authority.networkClient === undefined ? {} : { system: { networkClient: authority.networkClient } }),
  });
  const account = async (): Promise<AccountInfo | null> => (await app.getAllAccounts())[0] ?? null;
  return {
    cacheLocation: store.location,
    async signIn(show) {
      // One administrative user per cache: a new sign-in replaces whoever was signed in before.
      for (const previous of await app.getAllAccounts()) await app.getTokenCache().removeAccount(previous);
      const result = await app.acquireTokenByDeviceCode({ scopes: [scope], deviceCodeCallback: (answer) => show(answer.message) });
      if (result === null || result.account === null) throw new Error("The sign-in returned no account");
      return { username: result.account.username, expiresOn: result.expiresOn };
    },
    async signOut() {
      const signedIn = await account();
      if (signedIn !== null) await app.getTokenCache().removeAccount(signedIn);
      await store.clear();
      return signedIn?.username ?? null;
    },
    account,
    credential() {
      let user: string | null = null;
      let current: AuthenticationResult | null = null;
      const identity = () => (user === null ? `the signed-in ConfigMgr administrative user (token cache ${store.location})` : `user ${user} (delegated token)`);
      const credential: TokenCredential = {
        async getToken(): Promise<AccessToken> {
          // Only a token near expiry goes back to MSAL (and so to the token cache, which may be Key Vault).
          if (current?.expiresOn && current.expiresOn.getTime() - Date.now() > RENEW_BEFORE_MS) return asAccessToken(current);
          const signedIn = await account();
          if (signedIn === null) {
            throw new SourceReadError(
              "access-denied",
              `No ConfigMgr administrative user is signed in for the AdminService (token cache ${store.location}): run \`${SIGN_IN_COMMAND}\``,
            );
          }
          user = signedIn.username;
          try {
            current = await app.acquireTokenSilent({ account: signedIn, scopes: [scope] });
          } catch (error) {
            current = null;
            if (needsSignIn(error)) {
              throw new SourceReadError(
                "access-denied",
                `The sign-in of ${signedIn.username} for the AdminService expired or was revoked${aadstsCode(error)}: run \`${SIGN_IN_COMMAND}\` again`,
                { cause: error },
              );
            }
            throw error;
          }
          return asAccessToken(current);
        },
      };
      return { credential, identity };
    },
  };
}

/** The entra-user settings, or every missing one at once. */
function signInSettings(settings: Settings): { clientId: string; tenantId: string; scope: string } {
  const problems: string[] = [];
  if (settings.ADMINSERVICE_CLIENT_ID === undefined)
    problems.push("ADMINSERVICE_CLIENT_ID is required: the public client app registration the ConfigMgr administrative user signs in with");
  if (settings.AZURE_TENANT_ID === undefined) problems.push("AZURE_TENANT_ID is required: the tenant the ConfigMgr administrative user signs in to");
  if (settings.ADMINSERVICE_SCOPE === undefined)
    problems.push("ADMINSERVICE_SCOPE is required: the ConfigMgr server app's scope, e.g. https://ConfigMgrService/.default");
  if (problems.length > 0) throw new ConfigError(problems);
  return { clientId: settings.ADMINSERVICE_CLIENT_ID ?? "", tenantId: settings.AZURE_TENANT_ID ?? "", scope: settings.ADMINSERVICE_SCOPE ?? "" };
}

/**
 * A refresh token that no longer works: Entra answers `invalid_grant` (revoked AADSTS50173, expired by inactivity
 * AADSTS700082, password changed …) or asks for interaction (MFA, consent); MSAL reports the latter as
 * InteractionRequiredAuthError and the former as a ServerError with that code.
 */
function needsSignIn(error: unknown): boolean {
  return error instanceof InteractionRequiredAuthError || (error instanceof AuthError && error.errorCode === "invalid_grant");
}

function aadstsCode(error: unknown): string {
  const code = /AADSTS\d+/.exec(error instanceof Error ? error.message : "")?.[0];
  return code === undefined ? "" : ` (${code})`;
}

function asAccessToken(result: AuthenticationResult): AccessToken {
  return { token: result.accessToken, expiresOnTimestamp: result.expiresOn?.getTime() ?? Date.now() };
}

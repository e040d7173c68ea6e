import { AuthError } from "@azure/msal-node";
import { loadSettings } from "../../shared/config/settings.js";
import { ConfigError, SourceReadError } from "../../shared/errors.js";
import { openAdminServiceSignIn, SIGN_IN_COMMAND, type AdminServiceSignIn } from "../../shared/configmgr/signIn/adminServiceSignIn.js";
import { createTenantCredentials } from "../../shared/identity/credentials.js";
import { parse } from "../args.js";
import type { CliIo } from "../io.js";
import { localDataDir } from "../dataDir.js";
import { UsageError } from "../usage.js";

/**
 * `adminservice sign-in | sign-out | status` for ADMINSERVICE_AUTH=entra-user: the ConfigMgr administrative user
 * signs in once with the device code flow; runs then renew its token silently from the token cache.
 */
export async function adminServiceCommand(args: readonly string[], io: CliIo, env: Record<string, string | undefined>, dataDir?: string): Promise<number> {
  const [action, ...rest] = args;
  parse(rest, {});
  const settings = loadSettings(env);
  if (settings.ADMINSERVICE_AUTH !== "entra-user") {
    throw new ConfigError([
      `adminservice ${action ?? ""} is for ADMINSERVICE_AUTH=entra-user (now ${settings.ADMINSERVICE_AUTH ?? "unset"}); see docs/deploy.md "Reaching the ConfigMgr AdminService"`,
    ]);
  }
  const signIn = openAdminServiceSignIn(settings, {
    dataDir: localDataDir(dataDir === undefined ? {} : { dataDir }),
    // Key Vault (ADMINSERVICE_TOKEN_CACHE_SECRET_URI) is written as whoever runs the command (az login …).
    credential: createTenantCredentials(settings)(null),
  });
  switch (action) {
    case "sign-in":
      return signInNow(signIn, io);
    case "sign-out": {
      const user = await signIn.signOut();
      io.out(
        user === null
          ? `Nobody was signed in; the token cache (${signIn.cacheLocation}) is empty.`
          : `Signed out ${user}: the token cache (${signIn.cacheLocation}) no longer holds a refresh token.`,
      );
      return 0;
    }
    case "status":
      return status(signIn, io);
    default:
      throw new UsageError(`adminservice takes sign-in, sign-out or status, got "${action ?? ""}"`);
  }
}

async function signInNow(signIn: AdminServiceSignIn, io: CliIo): Promise<number> {
  io.out("Sign in as the ConfigMgr administrative user the app should read the AdminService as (a dedicated account).");
  let username: string;
  try {
    ({ username } = await signIn.signIn((instruction) => io.out(instruction)));
  } catch (error) {
    // Declined, code expired, unknown app registration …: Entra's error (MSAL passes it on) says which.
    if (!(error instanceof AuthError)) throw error;
    const why = (error.errorMessage || error.errorCode).split(/\r?\n| Trace ID:/)[0] ?? "";
    io.err(`collection-sync: the sign-in failed: ${why}. Run \`${SIGN_IN_COMMAND}\` to try again.`);
    return 1;
  }
  io.out(`Signed in as ${username}. The token cache is kept in ${signIn.cacheLocation}; runs renew the token from it without asking again.`);
  return 0;
}

/** Who is signed in, and whether a token can still be had silently (it renews one if needed). */
async function status(signIn: AdminServiceSignIn, io: CliIo): Promise<number> {
  const account = await signIn.account();
  if (account === null) {
    io.out(`Nobody is signed in (token cache ${signIn.cacheLocation}): run \`${SIGN_IN_COMMAND}\`.`);
    return 1;
  }
  try {
    const token = await signIn.credential().credential.getToken([]);
    io.out(
      `Signed in as ${account.username}; the current AdminService token is valid until ${new Date(token?.expiresOnTimestamp ?? 0).toISOString()} (token cache ${signIn.cacheLocation}).`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof SourceReadError)) throw error;
    io.out(error.message);
    return 1;
  }
}

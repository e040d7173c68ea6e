import type { Settings } from "../config/settings.js";
import type { MembershipSourceProvider } from "../core/ports/membershipSource.js";
import type { AdminServiceAuth } from "./adminServiceAuth.js";
import { createAdminServiceSourceProvider } from "./adminServiceSource.js";
import type { SourceIdentityCache } from "./sourceIdentityCache.js";

/** The AdminService adapter from settings: the app's source in pull mode, and the collector's. */
export function adminServiceSources(
  settings: Settings,
  baseUrl: string,
  auth: AdminServiceAuth,
  identities?: { readonly cache: SourceIdentityCache; readonly now: () => number },
): MembershipSourceProvider {
  return createAdminServiceSourceProvider({
    baseUrl,
    auth,
    // Remembered member identities: a collection change looks up only members not seen before (README).
    ...(identities === undefined
      ? {}
      : {
          identityCache: identities.cache,
          identityRefresh: {
            withEntraIdMs: settings.SOURCE_IDENTITY_REFRESH_MINUTES * 60_000,
            withoutEntraIdMs: settings.SOURCE_IDENTITY_RECHECK_MINUTES * 60_000,
          },
          now: identities.now,
        }),
  });
}

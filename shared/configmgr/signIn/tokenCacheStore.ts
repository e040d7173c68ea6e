import type { ICachePlugin } from "@azure/msal-node";

/**
 * Where the signed-in ConfigMgr administrative user's MSAL token cache (refresh token included) is kept: a
 * private file in the CLI's data folder, or a Key Vault secret in Azure. It holds a credential: never log it.
 */
export interface TokenCacheStore {
  /** For messages: e.g. "file /srv/.collection-sync/adminservice-token-cache.json". Never the content. */
  readonly location: string;
  /** The serialized cache, or null when nobody has signed in (or signed out). */
  read(): Promise<string | null>;
  write(serialized: string): Promise<void>;
  clear(): Promise<void>;
}

/**
 * MSAL's documented persistence hook: load the stored cache before MSAL reads it, save it after MSAL changed it
 * (a sign-in, or a refresh that rotated the refresh token), so every process sees the newest refresh token.
 */
export function cachePluginFor(store: TokenCacheStore): ICachePlugin {
  return {
    async beforeCacheAccess(context) {
      const stored = await store.read();
      if (stored !== null) context.tokenCache.deserialize(stored);
    },
    async afterCacheAccess(context) {
      if (context.cacheHasChanged) await store.write(context.tokenCache.serialize());
    },
  };
}

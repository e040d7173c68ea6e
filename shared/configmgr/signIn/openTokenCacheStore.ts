import type { TokenCredential } from "@azure/identity";
import { join } from "node:path";
import type { Settings } from "../../config/settings.js";
import { ConfigError } from "../../errors.js";
import { fileTokenCacheStore } from "./fileTokenCacheStore.js";
import { keyVaultTokenCacheStore } from "./keyVaultTokenCacheStore.js";
import type { TokenCacheStore } from "./tokenCacheStore.js";

export const TOKEN_CACHE_FILE = "adminservice-token-cache.json";

/**
 * The token cache where this process keeps its secrets: the Key Vault secret ADMINSERVICE_TOKEN_CACHE_SECRET_URI
 * when set (Azure, or the operator signing in for Azure), else a private file in the local data folder (CLI,
 * collector). `dataDir` null: a process without one (the Functions app).
 */
export function openTokenCacheStore(settings: Settings, where: { readonly dataDir: string | null; readonly credential: TokenCredential }): TokenCacheStore {
  if (settings.ADMINSERVICE_TOKEN_CACHE_SECRET_URI !== undefined)
    return keyVaultTokenCacheStore(settings.ADMINSERVICE_TOKEN_CACHE_SECRET_URI, where.credential);
  if (where.dataDir === null) {
    throw new ConfigError([
      "ADMINSERVICE_AUTH=entra-user needs ADMINSERVICE_TOKEN_CACHE_SECRET_URI here: the Key Vault secret (https://<vault>.vault.azure.net/secrets/<name>) that keeps the signed-in user's token cache",
    ]);
  }
  return fileTokenCacheStore(join(where.dataDir, TOKEN_CACHE_FILE));
}

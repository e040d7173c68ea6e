import type { TokenCredential } from "@azure/identity";
import { parseKeyVaultSecretIdentifier, SecretClient } from "@azure/keyvault-secrets";
import type { TokenCacheStore } from "./tokenCacheStore.js";

/** What a signed-out cache holds: Key Vault refuses an empty value, and deleting would need purge rights too. */
const SIGNED_OUT = "signed-out";

/**
 * The token cache as a Key Vault secret (ADMINSERVICE_TOKEN_CACHE_SECRET_URI), reached with the app's managed
 * identity: every worker instance reads the newest version and writes a new version when MSAL rotated the
 * refresh token (docs/deploy.md "The Key Vault" explains the roles this needs).
 */
export function keyVaultTokenCacheStore(secretUri: string, credential: TokenCredential): TokenCacheStore {
  const { vaultUrl, name } = parseKeyVaultSecretIdentifier(secretUri);
  const client = new SecretClient(vaultUrl, credential);
  return {
    location: `Key Vault secret ${name} in ${vaultUrl}`,
    async read() {
      try {
        const secret = await client.getSecret(name);
        const value = secret.value ?? "";
        return value === "" || value === SIGNED_OUT ? null : value;
      } catch (error) {
        // Nobody has signed in yet: the secret does not exist until the first sign-in writes it.
        if ((error as { statusCode?: number }).statusCode === 404) return null;
        throw error;
      }
    },
    async write(serialized) {
      await client.setSecret(name, serialized, { contentType: "application/vnd.msal.tokencache+json" });
    },
    async clear() {
      await client.setSecret(name, SIGNED_OUT, { contentType: "text/plain" });
    },
  };
}

import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from "@azure/identity";
import type { Settings } from "../config/settings.js";
import { ConfigError } from "../errors.js";

/** The audience Entra expects for a managed identity token used as a federated client assertion. */
const TOKEN_EXCHANGE_SCOPE = "api://AzureADTokenExchange/.default";

/**
 * Credentials per tenant. The home tenant uses the app's own identity (managed identity in Azure). Another
 * tenant is reached as the multi-tenant app registration, consented there: with a certificate when one is
 * configured, otherwise with the managed identity's token as a federated client assertion (no secret at all).
 * One credential object per tenant, so the SDK's token cache works per tenant.
 */
export function createTenantCredentials(settings: Settings): (tenantId: string | null) => TokenCredential {
  const home = new DefaultAzureCredential({
    ...(settings.AZURE_CLIENT_ID === undefined ? {} : { managedIdentityClientId: settings.AZURE_CLIENT_ID }),
    ...(settings.AZURE_TENANT_ID === undefined ? {} : { tenantId: settings.AZURE_TENANT_ID }),
  });
  const byTenant = new Map<string, TokenCredential>();
  return (tenantId) => {
    if (tenantId === null || tenantId === settings.AZURE_TENANT_ID) return home;
    let credential = byTenant.get(tenantId);
    if (!credential) {
      credential = otherTenantCredential(settings, tenantId);
      byTenant.set(tenantId, credential);
    }
    return credential;
  };
}

function otherTenantCredential(settings: Settings, tenantId: string): TokenCredential {
  const clientId = settings.MULTITENANT_CLIENT_ID;
  if (clientId === undefined) {
    throw new ConfigError([`Mapping targets tenant ${tenantId}, but MULTITENANT_CLIENT_ID (a multi-tenant app registration) is not set`]);
  }
  if (settings.MULTITENANT_CERTIFICATE_PATH !== undefined) {
    return new ClientCertificateCredential(tenantId, clientId, { certificatePath: settings.MULTITENANT_CERTIFICATE_PATH });
  }
  const managedIdentity =
    settings.AZURE_CLIENT_ID === undefined ? new ManagedIdentityCredential() : new ManagedIdentityCredential({ clientId: settings.AZURE_CLIENT_ID });
  return new ClientAssertionCredential(tenantId, clientId, async () => {
    const token = await managedIdentity.getToken(TOKEN_EXCHANGE_SCOPE);
    return token.token;
  });
}

// The Key Vault that keeps the app's one AdminService secret: the client keytab for ADMINSERVICE_AUTH=negotiate, or
// the signed-in administrative user's token cache for entra-user (docs/deploy.md "Reaching the ConfigMgr
// AdminService"). resources.bicep deploys it only for those two modes; entra-app and SOURCE_MODE=pushed keep no
// AdminService secret in Azure.
//
// Access is Azure RBAC only (no access policies), and the app's managed identity is the only principal this template
// lets into the data plane:
// - negotiate: Key Vault Secrets User — App Service resolves the keytab's Key Vault reference as that identity
//   (keyVaultReferenceIdentity in functionApp.bicep); the app never writes.
// - entra-user: Key Vault Secrets Officer — every worker reads the cache and writes a new version when MSAL rotates
//   the refresh token (shared/configmgr/signIn/keyVaultTokenCacheStore.ts).
// Both are assigned on the vault, not on the secret: a role assignment's scope must exist when it is deployed, and
// the secret does not exist until the operator uploads the keytab or signs in (a secret declared here would
// overwrite that value with a new version on every redeployment). The vault holds nothing else, so vault scope
// reaches exactly that one secret.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Key Vault name (3-24 letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Principal (object) id of the app\'s managed identity.')
param principalId string

@description('ADMINSERVICE_AUTH: which secret the vault keeps and which role the identity gets.')
@allowed([
  'negotiate'
  'entra-user'
])
param adminServiceAuth string

@description('Log Analytics workspace for the vault\'s audit log (who read or wrote a secret, when).')
param logAnalyticsWorkspaceId string

// Built-in role definition ids (Azure RBAC built-in roles reference: Security).
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

// The secret names the operator writes to (docs/deploy.md) and the app settings point at.
var keytabSecretName = 'adminservice-keytab'
var tokenCacheSecretName = 'adminservice-token-cache'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Azure RBAC decides every data-plane call; access policies are not used.
    enableRbacAuthorization: true
    // A deleted keytab or token cache (or the whole vault) can be recovered for 90 days and not purged before then.
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForTemplateDeployment: false
    enabledForDiskEncryption: false
    // Reachable like the storage account and the Service Bus namespace: public endpoint, Entra sign-in required.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// negotiate: read the keytab (App Service resolves @Microsoft.KeyVault(...) in ADMINSERVICE_KEYTAB_BASE64).
resource keytabReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (adminServiceAuth == 'negotiate') {
  name: guid(vault.id, principalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'collection-sync: read the AdminService keytab (ADMINSERVICE_KEYTAB_BASE64)'
  }
}

// entra-user: read the token cache and write back the rotated refresh token (ADMINSERVICE_TOKEN_CACHE_SECRET_URI).
resource tokenCacheWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (adminServiceAuth == 'entra-user') {
  name: guid(vault.id, principalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'collection-sync: read and renew the AdminService sign-in token cache (ADMINSERVICE_TOKEN_CACHE_SECRET_URI)'
  }
}

// Every secret read and write lands in the workspace (AzureDiagnostics, Category AuditEvent).
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output name string = vault.name
// vaultUri is 'https://<name>.vault.azure.net/' (the cloud's own suffix).
output keytabSecretUri string = adminServiceAuth == 'negotiate' ? '${vault.properties.vaultUri}secrets/${keytabSecretName}' : ''
output tokenCacheSecretUri string = adminServiceAuth == 'entra-user' ? '${vault.properties.vaultUri}secrets/${tokenCacheSecretName}' : ''

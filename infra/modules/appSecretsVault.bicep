// A small Key Vault for the app's own secrets: today the notification webhook (NOTIFY_WEBHOOK_URL). Teams Workflows
// and Slack webhook URLs carry their signature, so whoever reads the URL can post as the app: it must not sit in
// plain app settings, where every Reader of the function app's configuration sees it. resources.bicep deploys the
// vault only when a webhook is configured.
//
// - The secret's value comes from the azd environment (`azd env set-secret NOTIFY_WEBHOOK_URL`, or
//   `azd env set`), through a @secure() parameter: never in deployment history, re-written on every provision,
//   so the azd environment stays the one place it is changed (a new version per provision is harmless).
// - Azure RBAC only; the app's identity gets Key Vault Secrets User on this one secret (the narrowest scope: the
//   template creates the secret, so it exists when the assignment is made). App Service resolves the reference
//   as that identity (keyVaultReferenceIdentity).
// - Soft delete without purge protection: the value can be set again from the azd environment at any time, and
//   `azd down --purge` must be able to free the name (unlike the AdminService vault, whose keytab or token cache
//   exists nowhere else).

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

@secure()
@description('NOTIFY_WEBHOOK_URL: one or more receivers (teams:/slack:/json: prefixes allowed).')
param notifyWebhookUrl string

@description('Log Analytics workspace for the vault\'s audit log (who read or wrote a secret, when).')
param logAnalyticsWorkspaceId string

// Built-in role definition id (Azure RBAC built-in roles reference: Security).
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var webhookSecretName = 'notify-webhook-url'

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
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enabledForDeployment: false
    enabledForTemplateDeployment: false
    enabledForDiskEncryption: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource webhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: webhookSecretName
  properties: {
    value: notifyWebhookUrl
    contentType: 'text/plain'
  }
}

// App Service reads NOTIFY_WEBHOOK_URL's reference as the identity; it may read this one secret and nothing else.
resource webhookReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(webhookSecret.id, principalId, keyVaultSecretsUser)
  scope: webhookSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'collection-sync: read the notification webhook URL (NOTIFY_WEBHOOK_URL)'
  }
}

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
// Without a version: the reference (with a trailing slash) follows the newest one.
output webhookSecretUri string = '${vault.properties.vaultUri}secrets/${webhookSecretName}'

// Entry point for `azd up` / `azd provision` (and `az deployment sub create`): creates the resource group and
// deploys resources.bicep into it. To deploy into a resource group that already exists, deploy
// resources.bicep with `az deployment group create` instead (docs/deploy.md).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Azure region; it must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create or reuse; empty = rg-<environmentName>.')
param resourceGroupName string = ''

@description('Application (client) id of the API app registration (the preprovision hook creates it).')
@minLength(36)
@maxLength(36)
param apiClientId string

@description('ADMINSERVICE_URL: the AdminService root, direct or through a Cloud Management Gateway; empty with sourceMode pushed.')
param adminServiceUrl string = ''

@description('ADMINSERVICE_AUTH: how the app signs in to the AdminService: negotiate (Kerberos, keytab from Key Vault), entra-user (a ConfigMgr administrative user through a CMG), entra-app (app-only token, not documented by Microsoft) or none (sourceMode pushed).')
@allowed([
  'negotiate'
  'entra-user'
  'entra-app'
  'none'
])
param adminServiceAuth string = 'none'

@description('ADMINSERVICE_SCOPE: entra-user and entra-app only: the ConfigMgr server app\'s Application ID URI + /.default (negotiate sends no Entra token).')
param adminServiceScope string = ''

@description('ADMINSERVICE_CLIENT_ID: entra-user only: the public client app registration the ConfigMgr administrative user signs in with.')
param adminServiceClientId string = ''

@description('ADMINSERVICE_AUTHORITY_HOST: entra-user: the Entra sign-in host; empty = this cloud\'s.')
param adminServiceAuthorityHost string = ''

@description('MULTITENANT_CLIENT_ID: client id of the multi-tenant app registration for mappings in other tenants; empty = home tenant only.')
param multitenantClientId string = ''

@description('SOURCE_MODE: adminservice (the app reads ConfigMgr) or pushed (an on-premises collector uploads snapshots; adminServiceUrl may stay empty).')
@allowed([
  'adminservice'
  'pushed'
])
param sourceMode string = 'adminservice'

@description('SNAPSHOT_MAX_AGE_MINUTES: with sourceMode pushed, an older snapshot blocks removals.')
@minValue(1)
param snapshotMaxAgeMinutes int = 30

@description('GRAPH_BASE_URL; empty = https://graph.microsoft.com.')
param graphBaseUrl string = ''

@description('SYNC_SCHEDULE (NCRONTAB, UTC); empty = every 5 minutes.')
param syncSchedule string = ''

@description('REMOVAL_THRESHOLD_PERCENT (0-100).')
@minValue(0)
@maxValue(100)
param removalThresholdPercent int = 20

@description('REMOVAL_THRESHOLD_COUNT.')
@minValue(0)
param removalThresholdCount int = 500

@description('SYNC_TIME_BUDGET_SECONDS: keep it below host.json functionTimeout (30 min).')
@minValue(10)
@maxValue(1700)
param syncTimeBudgetSeconds int = 1500

@description('GRAPH_MAX_CONCURRENCY: Graph $batch requests in flight at once per tenant (1-32).')
@minValue(1)
@maxValue(32)
param graphMaxConcurrency int = 4

@description('TABLES_TIMEOUT_SECONDS: longest wait for one Table Storage operation (1-120).')
@minValue(1)
@maxValue(120)
param tablesTimeoutSeconds int = 20

@description('RESOLUTION_CACHE_TTL_MINUTES: how long a resolved member id is trusted.')
@minValue(0)
@maxValue(10080)
param resolutionCacheTtlMinutes int = 1440

@description('SOURCE_IDENTITY_REFRESH_MINUTES: how long a remembered member identity with an Entra id is trusted.')
@minValue(1)
@maxValue(10080)
param sourceIdentityRefreshMinutes int = 1440

@description('SOURCE_IDENTITY_RECHECK_MINUTES: how long one without an Entra id is trusted.')
@minValue(1)
@maxValue(10080)
param sourceIdentityRecheckMinutes int = 60

@description('RUN_RETENTION_DAYS: how long run history is kept.')
@minValue(1)
@maxValue(3650)
param runRetentionDays int = 90

@secure()
@description('NOTIFY_WEBHOOK_URL: notification receivers; stored in a Key Vault (prefer `azd env set-secret`). Empty = off.')
param notifyWebhookUrl string = ''

@description('NOTIFY_LINK_BASE_URL: the app\'s public address for links in notifications; empty = its default host name.')
param notifyLinkBaseUrl string = ''

@description('NODE_EXTRA_CA_CERTS: path of a PEM file of extra root certificates; empty = none.')
param nodeExtraCaCerts string = ''

@description('VNet integration: resource id of an empty subnet delegated to Microsoft.App/environments; empty = none.')
param virtualNetworkSubnetId string = ''

@description('E-mail address the alerts go to; empty = they fire in Azure Monitor only.')
param alertEmail string = ''

var tags = {
  'azd-env-name': environmentName
  application: 'collection-sync'
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'collection-sync-${resourceToken}'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    apiClientId: apiClientId
    adminServiceUrl: adminServiceUrl
    adminServiceAuth: adminServiceAuth
    adminServiceScope: adminServiceScope
    adminServiceClientId: adminServiceClientId
    adminServiceAuthorityHost: adminServiceAuthorityHost
    sourceMode: sourceMode
    snapshotMaxAgeMinutes: snapshotMaxAgeMinutes
    multitenantClientId: multitenantClientId
    graphBaseUrl: graphBaseUrl
    syncSchedule: syncSchedule
    removalThresholdPercent: removalThresholdPercent
    removalThresholdCount: removalThresholdCount
    syncTimeBudgetSeconds: syncTimeBudgetSeconds
    graphMaxConcurrency: graphMaxConcurrency
    tablesTimeoutSeconds: tablesTimeoutSeconds
    resolutionCacheTtlMinutes: resolutionCacheTtlMinutes
    sourceIdentityRefreshMinutes: sourceIdentityRefreshMinutes
    sourceIdentityRecheckMinutes: sourceIdentityRecheckMinutes
    runRetentionDays: runRetentionDays
    notifyWebhookUrl: notifyWebhookUrl
    notifyLinkBaseUrl: notifyLinkBaseUrl
    nodeExtraCaCerts: nodeExtraCaCerts
    virtualNetworkSubnetId: virtualNetworkSubnetId
    alertEmail: alertEmail
  }
}

// azd stores these in .azure/<env>/.env; the postprovision hook reads AZURE_IDENTITY_PRINCIPAL_ID.
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output AZURE_FUNCTION_APP_URL string = resources.outputs.functionAppUrl
output AZURE_IDENTITY_PRINCIPAL_ID string = resources.outputs.identityPrincipalId
output AZURE_IDENTITY_CLIENT_ID string = resources.outputs.identityClientId
output AZURE_STORAGE_ACCOUNT_NAME string = resources.outputs.storageAccountName
output SERVICEBUS_NAMESPACE string = resources.outputs.serviceBusNamespace
output APPLICATIONINSIGHTS_NAME string = resources.outputs.applicationInsightsName
output ADMINSERVICE_KEY_VAULT_NAME string = resources.outputs.adminServiceKeyVaultName
output NOTIFY_WEBHOOK_KEY_VAULT_NAME string = resources.outputs.notifyWebhookKeyVaultName
output ADMINSERVICE_TOKEN_CACHE_SECRET_URI string = resources.outputs.adminServiceTokenCacheSecretUri

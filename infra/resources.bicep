// Everything collection-sync needs inside one resource group. main.bicep (azd, subscription scope) calls it
// after creating the group; deploy it directly with `az deployment group create` into an existing group.
targetScope = 'resourceGroup'

@description('Azure region (must offer Flex Consumption: az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Tags for every resource.')
param tags object = {}

@description('Suffix that makes the global resource names unique.')
param resourceToken string = toLower(uniqueString(subscription().id, resourceGroup().id))

@description('Application (client) id of the API app registration (infra/scripts/create-api-app.sh prints it).')
@minLength(36)
@maxLength(36)
param apiClientId string

@description('ADMINSERVICE_URL: the AdminService root, e.g. https://cm01.contoso.com/AdminService or the CMG URL.')
param adminServiceUrl string

@description('ADMINSERVICE_AUTH: how the app signs in to the AdminService: negotiate (Kerberos, keytab from Key Vault), entra-user (a ConfigMgr administrative user through a CMG) or entra-app (app-only token, not documented by Microsoft).')
@allowed([
  'negotiate'
  'entra-user'
  'entra-app'
])
param adminServiceAuth string

@description('ADMINSERVICE_SCOPE: the ConfigMgr server app\'s Application ID URI + /.default; needed by entra-user and entra-app only (negotiate sends no Entra token).')
param adminServiceScope string = ''

@description('ADMINSERVICE_CLIENT_ID: entra-user only: the public client app registration the ConfigMgr administrative user signs in with.')
param adminServiceClientId string = ''

@description('MULTITENANT_CLIENT_ID: multi-tenant app registration for mappings in other tenants (federated with the managed identity); empty = home tenant only.')
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

@description('Name of the job queue (the worker trigger listens on sync-jobs).')
param queueName string = 'sync-jobs'

@description('How long a job may wait unpicked before it expires into the dead-letter queue.')
param jobTimeToLive string = 'PT1H'

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

@description('Most instances the function app scales out to. Flex Consumption accepts 40 to 1000 (docs/service-facts.md); throughput per instance is host.json serviceBus.maxConcurrentCalls.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Flex Consumption instance memory (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('E-mail address for the dead-letter alert; empty = no alert.')
param alertEmail string = ''

var names = {
  identity: 'id-csync-${resourceToken}'
  storage: 'stcsync${resourceToken}'
  serviceBus: 'sb-csync-${resourceToken}'
  logAnalytics: 'log-csync-${resourceToken}'
  applicationInsights: 'appi-csync-${resourceToken}'
  plan: 'plan-csync-${resourceToken}'
  functionApp: 'func-csync-${resourceToken}'
  keyVault: 'kv-csync-${resourceToken}'
}
// negotiate keeps its keytab and entra-user its token cache in a Key Vault; entra-app and pushed keep no secret.
var adminServiceVaultNeeded = sourceMode == 'adminservice' && (adminServiceAuth == 'negotiate' || adminServiceAuth == 'entra-user')
var deploymentContainerName = 'app-package-${take(names.functionApp, 32)}-${take(resourceToken, 7)}'
// docs/storage.md; the same names as TABLE_NAMES in shared/storage/tableStores.ts.
var tableNames = [
  'mappings'
  'runs'
  'runReports'
  'mappingState'
  'ledger'
  'resolution'
  'sourceIdentity'
  'snapshots'
  'notifications'
  'graphBudget'
  'audit'
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    name: names.storage
    deploymentContainerName: deploymentContainerName
    tableNames: tableNames
  }
}

module serviceBus 'modules/serviceBus.bicep' = {
  name: 'serviceBus'
  params: {
    location: location
    tags: tags
    name: names.serviceBus
    queueName: queueName
    jobTimeToLive: jobTimeToLive
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module roles 'modules/roleAssignments.bicep' = {
  name: 'roleAssignments'
  params: {
    principalId: identity.properties.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    queueName: serviceBus.outputs.queueName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

// The AdminService secret (keytab or token cache), readable by the app's identity only (docs/deploy.md).
module adminServiceVault 'modules/adminServiceVault.bicep' = if (adminServiceVaultNeeded) {
  name: 'adminServiceVault'
  params: {
    location: location
    tags: tags
    name: names.keyVault
    principalId: identity.properties.principalId
    adminServiceAuth: adminServiceAuth == 'negotiate' ? 'negotiate' : 'entra-user'
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  // The host reads its storage and the deployment package as the identity from its first start.
  dependsOn: [
    roles
  ]
  params: {
    location: location
    tags: tags
    azdServiceName: 'app'
    name: names.functionApp
    planName: names.plan
    identityId: identity.id
    identityClientId: identity.properties.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    serviceBusResourceId: serviceBus.outputs.id
    queueName: serviceBus.outputs.queueName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    apiClientId: apiClientId
    adminServiceUrl: adminServiceUrl
    adminServiceAuth: adminServiceAuth
    adminServiceScope: adminServiceScope
    adminServiceClientId: adminServiceClientId
    adminServiceKeytabSecretUri: adminServiceVaultNeeded ? adminServiceVault.outputs.keytabSecretUri : ''
    adminServiceTokenCacheSecretUri: adminServiceVaultNeeded ? adminServiceVault.outputs.tokenCacheSecretUri : ''
    sourceMode: sourceMode
    snapshotMaxAgeMinutes: snapshotMaxAgeMinutes
    multitenantClientId: multitenantClientId
    graphBaseUrl: empty(graphBaseUrl) ? 'https://graph.microsoft.com' : graphBaseUrl
    syncSchedule: empty(syncSchedule) ? '0 */5 * * * *' : syncSchedule
    removalThresholdPercent: removalThresholdPercent
    removalThresholdCount: removalThresholdCount
    syncTimeBudgetSeconds: syncTimeBudgetSeconds
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

module alerts 'modules/alerts.bicep' = if (!empty(alertEmail)) {
  name: 'alerts'
  params: {
    tags: tags
    namePrefix: 'csync-${resourceToken}'
    serviceBusNamespaceId: serviceBus.outputs.id
    alertEmail: alertEmail
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = functionApp.outputs.url
output identityPrincipalId string = identity.properties.principalId
output identityClientId string = identity.properties.clientId
output storageAccountName string = storage.outputs.name
output serviceBusNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output applicationInsightsName string = monitoring.outputs.applicationInsightsName
output logAnalyticsWorkspaceId string = monitoring.outputs.workspaceId
// Where the operator uploads the keytab / where `collection-sync adminservice sign-in` writes (empty without a vault).
output adminServiceKeyVaultName string = adminServiceVaultNeeded ? adminServiceVault.outputs.name : ''
output adminServiceTokenCacheSecretUri string = adminServiceVaultNeeded ? adminServiceVault.outputs.tokenCacheSecretUri : ''

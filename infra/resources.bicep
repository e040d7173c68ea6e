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

@description('ADMINSERVICE_URL: the AdminService root, e.g. https://cm01.contoso.com/AdminService or the CMG URL; empty with sourceMode pushed.')
param adminServiceUrl string = ''

@description('ADMINSERVICE_AUTH: how the app signs in to the AdminService: negotiate (Kerberos, keytab from Key Vault), entra-user (a ConfigMgr administrative user through a CMG), entra-app (app-only token, not documented by Microsoft) or none (sourceMode pushed: the app never calls the AdminService).')
@allowed([
  'negotiate'
  'entra-user'
  'entra-app'
  'none'
])
param adminServiceAuth string = 'none'

@description('ADMINSERVICE_SCOPE: the ConfigMgr server app\'s Application ID URI + /.default; needed by entra-user and entra-app only (negotiate sends no Entra token).')
param adminServiceScope string = ''

@description('ADMINSERVICE_CLIENT_ID: entra-user only: the public client app registration the ConfigMgr administrative user signs in with.')
param adminServiceClientId string = ''

@description('ADMINSERVICE_AUTHORITY_HOST: entra-user: the Entra sign-in host; empty = this cloud\'s (environment().authentication.loginEndpoint).')
param adminServiceAuthorityHost string = ''

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

@description('GRAPH_MAX_CONCURRENCY: Graph $batch requests in flight at once per tenant (1-32).')
@minValue(1)
@maxValue(32)
param graphMaxConcurrency int = 4

@description('TABLES_TIMEOUT_SECONDS: longest wait for one Table Storage operation, retries included (1-120).')
@minValue(1)
@maxValue(120)
param tablesTimeoutSeconds int = 20

@description('RESOLUTION_CACHE_TTL_MINUTES: how long a resolved member id is trusted before Graph is asked again.')
@minValue(0)
@maxValue(10080)
param resolutionCacheTtlMinutes int = 1440

@description('SOURCE_IDENTITY_REFRESH_MINUTES: how long a remembered ConfigMgr member identity with an Entra id is trusted.')
@minValue(1)
@maxValue(10080)
param sourceIdentityRefreshMinutes int = 1440

@description('SOURCE_IDENTITY_RECHECK_MINUTES: how long one without an Entra id is trusted (keep it equal on the collector).')
@minValue(1)
@maxValue(10080)
param sourceIdentityRecheckMinutes int = 60

@description('RUN_RETENTION_DAYS: how long run history and per-member run reports are kept.')
@minValue(1)
@maxValue(3650)
param runRetentionDays int = 90

@secure()
@description('NOTIFY_WEBHOOK_URL: where state-change notifications go (Teams Workflows, Slack, JSON); kept in a Key Vault, the app setting is a reference. Empty = notifications off.')
param notifyWebhookUrl string = ''

@description('NOTIFY_LINK_BASE_URL: the app\'s public address for links in notifications; empty = the app\'s default host name.')
param notifyLinkBaseUrl string = ''

@description('NODE_EXTRA_CA_CERTS: path of a PEM file of extra root certificates (a private CA); empty = none.')
param nodeExtraCaCerts string = ''

@description('VNet integration: resource id of an empty subnet delegated to Microsoft.App/environments (negotiate reaches the SMS Provider and the KDCs through it); empty = none. docs/deploy.md "VNet integration".')
param virtualNetworkSubnetId string = ''

@description('Grant the identity Azure Service Bus Data Owner on the job queue (only), so the scale controller reads the exact queue length; false = Sender + Receiver only, and scaling estimates the backlog by peeking.')
param exactQueueScaling bool = true

@description('E-mail address the alerts go to; empty = alerts fire in Azure Monitor without a notification.')
param alertEmail string = ''

@description('Scheduler heartbeat alert: fire when no scheduler tick was logged for this many minutes (keep it above the SYNC_SCHEDULE interval).')
@minValue(10)
@maxValue(1440)
param schedulerHeartbeatMinutes int = 30

@description('Failed-runs alert: fire when a mapping has at least this many failed runs in an hour.')
@minValue(1)
param failedRunsPerHour int = 3

var names = {
  identity: 'id-csync-${resourceToken}'
  storage: 'stcsync${resourceToken}'
  serviceBus: 'sb-csync-${resourceToken}'
  logAnalytics: 'log-csync-${resourceToken}'
  applicationInsights: 'appi-csync-${resourceToken}'
  plan: 'plan-csync-${resourceToken}'
  functionApp: 'func-csync-${resourceToken}'
  keyVault: 'kv-csync-${resourceToken}'
  appSecretsVault: 'kvs-csync-${resourceToken}'
}
// pushed: the app never calls the AdminService, so none of its settings is deployed (a leftover ADMINSERVICE_URL
// without ADMINSERVICE_AUTH would stop the app at start-up).
var adminServiceInUse = sourceMode == 'adminservice'
// negotiate keeps its keytab and entra-user its token cache in a Key Vault; entra-app and pushed keep no secret.
var adminServiceVaultNeeded = adminServiceInUse && (adminServiceAuth == 'negotiate' || adminServiceAuth == 'entra-user')
var notificationsOn = !empty(notifyWebhookUrl)
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
    exactQueueScaling: exactQueueScaling
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

// The notification webhook URL, readable by the app's identity only (appSecretsVault.bicep says why a vault).
module appSecretsVault 'modules/appSecretsVault.bicep' = if (notificationsOn) {
  name: 'appSecretsVault'
  params: {
    location: location
    tags: tags
    name: names.appSecretsVault
    principalId: identity.properties.principalId
    notifyWebhookUrl: notifyWebhookUrl
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  // The host reads its storage and the deployment package as the identity from its first start.
  dependsOn: [
    roles
    appSecretsVault
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
    adminServiceUrl: adminServiceInUse ? adminServiceUrl : ''
    adminServiceAuth: adminServiceInUse ? adminServiceAuth : 'none'
    adminServiceScope: adminServiceInUse ? adminServiceScope : ''
    adminServiceClientId: adminServiceInUse ? adminServiceClientId : ''
    adminServiceAuthorityHost: empty(adminServiceAuthorityHost) ? environment().authentication.loginEndpoint : adminServiceAuthorityHost
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
    graphMaxConcurrency: graphMaxConcurrency
    tablesTimeoutSeconds: tablesTimeoutSeconds
    resolutionCacheTtlMinutes: resolutionCacheTtlMinutes
    sourceIdentityRefreshMinutes: sourceIdentityRefreshMinutes
    sourceIdentityRecheckMinutes: sourceIdentityRecheckMinutes
    runRetentionDays: runRetentionDays
    notifyWebhookSecretUri: notificationsOn ? appSecretsVault.outputs.webhookSecretUri : ''
    notifyLinkBaseUrl: notifyLinkBaseUrl
    nodeExtraCaCerts: nodeExtraCaCerts
    virtualNetworkSubnetId: virtualNetworkSubnetId
  }
}

// The alerts docs/operating.md recommends; each resolves itself once its condition clears. Without alertEmail
// they still fire in Azure Monitor (Alerts), nobody is mailed.
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    tags: tags
    namePrefix: 'csync-${resourceToken}'
    serviceBusNamespaceId: serviceBus.outputs.id
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    alertEmail: alertEmail
    sourceMode: sourceMode
    snapshotMaxAgeMinutes: snapshotMaxAgeMinutes
    schedulerHeartbeatMinutes: schedulerHeartbeatMinutes
    failedRunsPerHour: failedRunsPerHour
  }
}

// Runs, members added and removed, skips by reason, Graph throttling and snapshot age, in one Azure Monitor workbook.
module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  params: {
    location: location
    tags: tags
    name: guid(resourceGroup().id, 'collection-sync-workbook', resourceToken)
    applicationInsightsId: monitoring.outputs.applicationInsightsId
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
output notifyWebhookKeyVaultName string = notificationsOn ? appSecretsVault.outputs.name : ''
output adminServiceTokenCacheSecretUri string = adminServiceVaultNeeded ? adminServiceVault.outputs.tokenCacheSecretUri : ''

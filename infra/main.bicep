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

@description('ADMINSERVICE_URL: the AdminService root, direct or through a Cloud Management Gateway.')
param adminServiceUrl string

@description('ADMINSERVICE_AUTH: how the app signs in to the AdminService: negotiate (Kerberos, keytab from Key Vault), entra-user (a ConfigMgr administrative user through a CMG) or entra-app (app-only token, not documented by Microsoft).')
@allowed([
  'negotiate'
  'entra-user'
  'entra-app'
])
param adminServiceAuth string

@description('ADMINSERVICE_SCOPE: entra-user and entra-app only: the ConfigMgr server app\'s Application ID URI + /.default (negotiate sends no Entra token).')
param adminServiceScope string = ''

@description('ADMINSERVICE_CLIENT_ID: entra-user only: the public client app registration the ConfigMgr administrative user signs in with.')
param adminServiceClientId string = ''

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

@description('E-mail address for the dead-letter alert; empty = no alert.')
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
    sourceMode: sourceMode
    snapshotMaxAgeMinutes: snapshotMaxAgeMinutes
    multitenantClientId: multitenantClientId
    graphBaseUrl: graphBaseUrl
    syncSchedule: syncSchedule
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
output ADMINSERVICE_TOKEN_CACHE_SECRET_URI string = resources.outputs.adminServiceTokenCacheSecretUri

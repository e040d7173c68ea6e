// The function app on a Flex Consumption plan (FC1, Linux, Node 22), running as the user-assigned managed
// identity, configured only with identity-based connections, and with App Service Authentication (Entra) in
// front of the HTTP API. Every app setting below is either a setting the code reads
// (shared/config/settings.ts) or a documented host setting; test/infra checks both directions.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Service name in azure.yaml: azd finds the app to deploy to by this tag.')
param azdServiceName string

@description('Function app name (<name>.azurewebsites.net).')
param name string

@description('Flex Consumption plan name (one app per plan).')
param planName string

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Client id of the user-assigned managed identity.')
param identityClientId string

@description('Storage account for host storage, the deployment package and the tables.')
param storageAccountName string

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Service Bus namespace host name, e.g. sb-x.servicebus.windows.net.')
param serviceBusFullyQualifiedNamespace string

@description('Resource id of the Service Bus namespace (SERVICEBUS_RESOURCE_ID: /api/health reads its dead-letter metric).')
param serviceBusResourceId string

@description('The job queue.')
param queueName string

@description('Application Insights component.')
param applicationInsightsName string

@description('Application (client) id of the API app registration; App Service Authentication validates tokens for it.')
@minLength(36)
@maxLength(36)
param apiClientId string

@description('ADMINSERVICE_URL: the AdminService root, direct or through a Cloud Management Gateway (https); empty with SOURCE_MODE=pushed.')
param adminServiceUrl string

@description('ADMINSERVICE_AUTH: how the app signs in to the AdminService: negotiate (Kerberos, keytab from Key Vault), entra-user (a ConfigMgr administrative user through a CMG), entra-app (app-only token, not documented by Microsoft) or none (SOURCE_MODE=pushed: the app never calls the AdminService).')
@allowed([
  'negotiate'
  'entra-user'
  'entra-app'
  'none'
])
param adminServiceAuth string

@description('ADMINSERVICE_SCOPE: Entra scope of the ConfigMgr server app (Application ID URI + /.default); entra-user and entra-app only.')
param adminServiceScope string

@description('ADMINSERVICE_CLIENT_ID: entra-user only: the public client app registration the administrative user signs in with.')
param adminServiceClientId string

@description('ADMINSERVICE_AUTHORITY_HOST: entra-user: the Entra sign-in host (national clouds differ).')
param adminServiceAuthorityHost string

@description('negotiate: the Key Vault secret (https://<vault>.vault.azure.net/secrets/<name>) holding the keytab as base64 text; empty otherwise.')
param adminServiceKeytabSecretUri string

@description('ADMINSERVICE_TOKEN_CACHE_SECRET_URI: entra-user: the Key Vault secret holding the signed-in user\'s token cache; empty otherwise.')
param adminServiceTokenCacheSecretUri string

@description('MULTITENANT_CLIENT_ID: multi-tenant app registration for other tenants; empty = home tenant only.')
param multitenantClientId string

@description('SOURCE_MODE: adminservice or pushed (collector snapshots).')
@allowed([
  'adminservice'
  'pushed'
])
param sourceMode string

@description('SNAPSHOT_MAX_AGE_MINUTES: with SOURCE_MODE=pushed, an older snapshot blocks removals.')
param snapshotMaxAgeMinutes int

@description('SNAPSHOT_STAGING_MAX_MB: with SOURCE_MODE=pushed, uncommitted upload megabytes per collection.')
param snapshotStagingMaxMb int

@description('GRAPH_BASE_URL: Microsoft Graph root (national clouds differ).')
param graphBaseUrl string

@description('SYNC_SCHEDULE: NCRONTAB schedule of the scheduler (UTC: Flex Consumption has no time zone setting).')
param syncSchedule string

@description('REMOVAL_THRESHOLD_PERCENT: removal guard, share of the group.')
param removalThresholdPercent int

@description('REMOVAL_THRESHOLD_COUNT: removal guard, absolute number of members.')
param removalThresholdCount int

@description('SYNC_TIME_BUDGET_SECONDS: a run saves progress and re-schedules itself after this long (below host.json functionTimeout).')
param syncTimeBudgetSeconds int

@description('Most instances the app may scale out to (Graph throttles per app and tenant, more does not sync faster).')
param maximumInstanceCount int

@description('Instance memory in MB.')
param instanceMemoryMB int

@description('GRAPH_MAX_CONCURRENCY: Graph $batch requests in flight at once per tenant.')
param graphMaxConcurrency int

@description('TABLES_TIMEOUT_SECONDS: longest wait for one Table Storage operation.')
param tablesTimeoutSeconds int

@description('RESOLUTION_CACHE_TTL_MINUTES: how long a resolved member id is trusted before Graph is asked again.')
param resolutionCacheTtlMinutes int

@description('SOURCE_IDENTITY_REFRESH_MINUTES: how long a remembered ConfigMgr identity with an Entra id is trusted.')
param sourceIdentityRefreshMinutes int

@description('SOURCE_IDENTITY_RECHECK_MINUTES: how long one without an Entra id is trusted.')
param sourceIdentityRecheckMinutes int

@description('RUN_RETENTION_DAYS: how long run history and run reports are kept.')
param runRetentionDays int

@description('NOTIFY_WEBHOOK_URL as a Key Vault secret URI (https://<vault>.vault.azure.net/secrets/<name>); empty = notifications off.')
param notifyWebhookSecretUri string

@description('NOTIFY_LINK_BASE_URL: the app\'s public address for links in notifications; empty = the app\'s default host name.')
param notifyLinkBaseUrl string

@description('NODE_EXTRA_CA_CERTS: a PEM file of extra root certificates Node trusts (a private CA in front of the AdminService or a proxy); empty = none.')
param nodeExtraCaCerts string

@description('Resource id of a subnet delegated to Microsoft.App/environments for VNet integration (negotiate reaches the SMS Provider through it); empty = no VNet integration.')
param virtualNetworkSubnetId string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': azdServiceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings (the negotiate keytab) are resolved as the user-assigned identity, the
    // one holding Key Vault Secrets User on the AdminService vault (adminServiceVault.bicep).
    keyVaultReferenceIdentity: identityId
    // Flex Consumption: outbound traffic to private addresses goes through the delegated subnet (docs/deploy.md
    // "VNet integration"); null leaves the app without one.
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      // Flex Consumption takes the runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME,
      // FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE and WEBSITE_CONTENT* must not be set.
      // This list replaces the app's whole settings collection on every deployment (docs/service-facts.md): every
      // setting an operator may change is a parameter here, fed from the azd environment (main.parameters.json), and
      // test/infra/settingsCoverage.test.ts fails for a setting of the code that is neither here nor listed in
      // infra/local-only-settings.json.
      appSettings: [
        // Host storage through the managed identity (no connection string: shared keys are off).
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        // Telemetry with an Entra token (the component has local auth disabled).
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
        // Node sizes its heap from the memory it sees (the host's, or half the instance's): an explicit 5/8 of the
        // instance keeps a 1,000,000-member sync's heap (~1.2 GB at its peak) inside a 2,048 MB instance, with room
        // for the Functions host, and makes V8 collect before the instance runs out (docs/deploy.md).
        { name: 'NODE_OPTIONS', value: '--max-old-space-size=${instanceMemoryMB * 5 / 8}' }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        // The worker trigger's connection (connection: "SERVICEBUS_CONNECTION"); the app's own sender reads
        // the same namespace setting.
        { name: 'SERVICEBUS_CONNECTION__fullyQualifiedNamespace', value: serviceBusFullyQualifiedNamespace }
        { name: 'SERVICEBUS_CONNECTION__credential', value: 'managedidentity' }
        { name: 'SERVICEBUS_CONNECTION__clientId', value: identityClientId }
        { name: 'SERVICEBUS_QUEUE', value: queueName }
        // /api/health's dead-letter count from Azure Monitor (Monitoring Reader on the namespace, roleAssignments.bicep).
        { name: 'SERVICEBUS_RESOURCE_ID', value: serviceBusResourceId }
        { name: 'TABLES_ENDPOINT', value: storage.properties.primaryEndpoints.table }
        // DefaultAzureCredential picks the user-assigned identity by AZURE_CLIENT_ID.
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        { name: 'AZURE_TENANT_ID', value: tenant().tenantId }
        // The API trusts the principal App Service Authentication passes on (authsettingsV2 below).
        { name: 'API_AUTH', value: 'easyauth' }
        { name: 'ADMINSERVICE_URL', value: adminServiceUrl }
        // none (pushed mode) is not a value the app knows: an empty setting counts as unset.
        { name: 'ADMINSERVICE_AUTH', value: adminServiceAuth == 'none' ? '' : adminServiceAuth }
        { name: 'ADMINSERVICE_SCOPE', value: adminServiceScope }
        { name: 'ADMINSERVICE_CLIENT_ID', value: adminServiceClientId }
        { name: 'ADMINSERVICE_AUTHORITY_HOST', value: adminServiceAuthorityHost }
        // negotiate: App Service resolves the reference and hands the app the keytab's base64 text, which the app
        // writes to a private temp file for GSSAPI (shared/configmgr/openAdminServiceAuth.ts). The trailing slash
        // asks for the newest version. Empty for the other modes: an empty setting counts as unset.
        {
          name: 'ADMINSERVICE_KEYTAB_BASE64'
          value: empty(adminServiceKeytabSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${adminServiceKeytabSecretUri}/)'
        }
        // entra-user: the app reads and renews the token cache itself, with the managed identity (not a reference:
        // it writes new versions).
        { name: 'ADMINSERVICE_TOKEN_CACHE_SECRET_URI', value: adminServiceTokenCacheSecretUri }
        // pushed: the on-premises collector uploads snapshots (app role Snapshots.Write) into the snapshots table.
        { name: 'SOURCE_MODE', value: sourceMode }
        { name: 'SNAPSHOT_MAX_AGE_MINUTES', value: string(snapshotMaxAgeMinutes) }
        { name: 'SNAPSHOT_STAGING_MAX_MB', value: string(snapshotStagingMaxMb) }
        // Other tenants: the multi-tenant app, signed in with this identity's token as a federated credential.
        { name: 'MULTITENANT_CLIENT_ID', value: multitenantClientId }
        { name: 'GRAPH_BASE_URL', value: graphBaseUrl }
        { name: 'SYNC_SCHEDULE', value: syncSchedule }
        { name: 'SYNC_TIME_BUDGET_SECONDS', value: string(syncTimeBudgetSeconds) }
        { name: 'REMOVAL_THRESHOLD_PERCENT', value: string(removalThresholdPercent) }
        { name: 'REMOVAL_THRESHOLD_COUNT', value: string(removalThresholdCount) }
        { name: 'GRAPH_MAX_CONCURRENCY', value: string(graphMaxConcurrency) }
        { name: 'TABLES_TIMEOUT_SECONDS', value: string(tablesTimeoutSeconds) }
        { name: 'RESOLUTION_CACHE_TTL_MINUTES', value: string(resolutionCacheTtlMinutes) }
        { name: 'SOURCE_IDENTITY_REFRESH_MINUTES', value: string(sourceIdentityRefreshMinutes) }
        { name: 'SOURCE_IDENTITY_RECHECK_MINUTES', value: string(sourceIdentityRecheckMinutes) }
        { name: 'RUN_RETENTION_DAYS', value: string(runRetentionDays) }
        // Teams and Slack webhook URLs carry their signature: the URL lives in Key Vault (appSecretsVault.bicep) and
        // App Service resolves the reference as the identity. Empty: notifications off.
        {
          name: 'NOTIFY_WEBHOOK_URL'
          value: empty(notifyWebhookSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${notifyWebhookSecretUri}/)'
        }
        { name: 'NOTIFY_LINK_BASE_URL', value: notifyLinkBaseUrl }
        // Read by Node itself at start-up (not by the code): empty is ignored.
        { name: 'NODE_EXTRA_CA_CERTS', value: nodeExtraCaCerts }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        // Node 20 reached end of life on 2026-04-30; the code itself still runs on 20 (package.json engines).
        version: '22'
      }
    }
  }
}

// App Service Authentication in front of the HTTP API: a call without a valid Entra token for the API app
// registration gets 401 before any function code runs. No client secret: the app only validates bearer
// tokens, it never signs anyone in. The API itself checks the app roles Mappings.Read / Mappings.ReadWrite
// in the roles claim; the timer and the Service Bus trigger are not HTTP and are not affected.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: apiClientId
          // The API app registration asks for v2 tokens (requestedAccessTokenVersion 2): v2 issuer.
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            apiClientId
            'api://${apiClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'

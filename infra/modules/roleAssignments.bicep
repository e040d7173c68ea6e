// The data-plane roles of the app's user-assigned managed identity — exactly these, each on the narrowest
// scope that works. Names are guid(scope, principal, role) so a redeployment finds the same assignment.
//
// Not granted, on purpose:
// - Storage Queue Data Contributor: the host needs queues only for blob triggers (and Durable Functions);
//   this app has an HTTP, a timer and a Service Bus trigger. Blob Data Owner covers host storage and the
//   timer's locks.
// - Azure Service Bus Data Owner on the namespace. On the job queue alone it is granted unless exactQueueScaling
//   is false: the Functions scale controller reads the queue's message count through the queue's runtime
//   properties, a management operation (SAS: the Manage right; Entra: Data Owner). Without it the extension falls
//   back to peeking and scales on an estimate (docs/service-facts.md). /api/health does not rely on it: it reads
//   the DeadletteredMessages metric through Azure Monitor (Monitoring Reader on the namespace, below).

@description('Principal (object) id of the managed identity.')
param principalId string

@description('Storage account holding host storage, the deployment package and the tables.')
param storageAccountName string

@description('Service Bus namespace of the job queue.')
param serviceBusNamespaceName string

@description('The job queue.')
param queueName string

@description('Application Insights component the app sends telemetry to.')
param applicationInsightsName string

@description('Grant Azure Service Bus Data Owner on the job queue, so the scale controller reads its exact length.')
param exactQueueScaling bool

// Built-in role definition ids (Azure RBAC built-in roles reference).
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var serviceBusDataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
var serviceBusDataReceiver = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
var serviceBusDataOwner = '090c5cfd-751d-490a-894a-3ce6f1109419'
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'
var monitoringReader = '43d0d8ad-25c7-4714-9337-8ba259a9fe05'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: namespace
  name: queueName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Host storage (AzureWebJobsStorage: host keys, timer locks) and the Flex Consumption deployment package.
resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'collection-sync: Functions host storage and deployment package'
  }
}

// The product's tables: mappings, runs, mappingState, ledger, resolution (read, write, create if missing).
resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'collection-sync: mappings, run history, state, ledger and resolution cache tables'
  }
}

// The scheduler, the API's "sync now" and the worker's throttling back-off send jobs.
resource queueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, principalId, serviceBusDataSender)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'collection-sync: enqueue sync jobs'
  }
}

// The worker's Service Bus trigger receives and settles jobs.
resource queueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, principalId, serviceBusDataReceiver)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataReceiver)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'collection-sync: receive sync jobs'
  }
}

// The scale controller's view of the backlog: the queue's runtime properties (active message count) need the
// Manage claim, which only Data Owner carries. Scoped to the one queue the app already sends to and receives from:
// what it adds is managing that queue's own settings, nothing on other entities or the namespace.
resource queueOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (exactQueueScaling) {
  name: guid(queue.id, principalId, serviceBusDataOwner)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'collection-sync: let the Functions scale controller read the job queue length'
  }
}

// Telemetry ingestion with an Entra token (the component has local auth disabled).
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'collection-sync: send telemetry to Application Insights'
  }
}

// /api/health's dead-letter count: the namespace's DeadletteredMessages metric (Microsoft.Insights/metrics/read)
// through Azure Monitor. Read-only, and only on this namespace; no Service Bus data or management rights.
resource namespaceMetricsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, principalId, monitoringReader)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'collection-sync: read the job queue dead-letter metric for /api/health'
  }
}

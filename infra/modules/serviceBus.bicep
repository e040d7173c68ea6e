// Service Bus namespace (Standard: duplicate detection and scheduled messages need it) with the job queue the
// scheduler fills and the worker drains (docs/queue.md). Local (SAS) auth is off: only Entra identities connect.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Service Bus namespace name (6-50 characters, globally unique).')
@minLength(6)
@maxLength(50)
param name string

@description('The job queue (the worker trigger and SERVICEBUS_QUEUE use the same name).')
param queueName string

@description('How long a job may wait unpicked before it expires into the dead-letter queue (ISO 8601 duration).')
param jobTimeToLive string

@description('Log Analytics workspace that receives the namespace metrics (dead letters, active messages).')
param logAnalyticsWorkspaceId string

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    // The scheduler's messageId is mapping key + tick: a double send inside the window is dropped (docs/service-facts.md
    // "Service Bus"). The window is set explicitly rather than trusting the service default.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    // The host abandons a message when the worker throws; it is redelivered at once and dead-lettered after
    // this many deliveries (host retry policies do not apply to Service Bus triggers).
    maxDeliveryCount: 10
    // The longest lock Service Bus allows; host.json renews it up to maxAutoLockRenewalDuration.
    lockDuration: 'PT5M'
    // A job nobody picked up within jobTimeToLive lands in the dead-letter queue, where it is visible.
    defaultMessageTimeToLive: jobTimeToLive
    deadLetteringOnMessageExpiration: true
    requiresSession: false
    enablePartitioning: false
    enableBatchedOperations: true
    maxSizeInMegabytes: 1024
  }
}

// Namespace metrics that diagnostic settings can export (IncomingMessages, ServerErrors, ThrottledRequests…) into
// the workspace. The entity counts (ActiveMessages, DeadletteredMessages) are not exportable: they are read as
// Azure Monitor metrics (alerts.bicep, /api/health, `az monitor metrics list`; docs/service-facts.md).
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: namespace
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output name string = namespace.name
output id string = namespace.id
output queueName string = queue.name
// serviceBusEndpoint is 'https://<namespace>.<suffix>:443/'; the host name alone is what the clients want.
output fullyQualifiedNamespace string = split(split(split(namespace.properties.serviceBusEndpoint, '//')[1], '/')[0], ':')[0]

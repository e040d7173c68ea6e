// The alerts docs/operating.md recommends ("Alerts worth having"): a job dead-lettered (metric), runs failing, the
// scheduler's heartbeat missing, a mapping blocked, a mapping quarantined and — in pushed mode — a collector's
// snapshot going stale (log queries over Application Insights). Every one resolves itself when its condition
// clears (metric alerts always do; scheduled query rules with autoMitigate). The queries live in queries/*.kql
// and read the app's real log lines; test/infra/monitoring.test.ts cross-checks them against the code.

@description('Azure region (scheduled query rules are regional).')
param location string

@description('Tags for every resource.')
param tags object

@description('Name prefix for the alert resources.')
param namePrefix string

@description('Resource id of the Service Bus namespace.')
param serviceBusNamespaceId string

@description('Resource id of the Application Insights component the app logs to.')
param applicationInsightsId string

@description('Who gets the e-mail; empty = the alerts fire in Azure Monitor only.')
param alertEmail string

@description('SOURCE_MODE: the stale-snapshot alert exists in pushed mode only.')
param sourceMode string

@description('SNAPSHOT_MAX_AGE_MINUTES: a collection whose snapshot nobody vouched for this long is stale.')
param snapshotMaxAgeMinutes int

@description('Minutes without a scheduler tick before the heartbeat alert fires.')
param schedulerHeartbeatMinutes int

@description('Failed runs of one mapping within an hour that fire the failed-runs alert.')
param failedRunsPerHour int

var appLines = loadTextContent('queries/app-lines.kql')
var actions = empty(alertEmail) ? [] : [actionGroup.id]

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'collsync'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource deadLetterAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-dead-letters'
  location: 'global'
  tags: tags
  properties: {
    description: 'A collection-sync job was dead-lettered: it failed maxDeliveryCount times or expired unprocessed.'
    severity: 2
    enabled: true
    autoMitigate: true
    scopes: [
      serviceBusNamespaceId
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadLetteredJobs'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: empty(alertEmail)
      ? []
      : [
          {
            actionGroupId: actionGroup.id
          }
        ]
  }
}

// One scheduled query rule per condition: name, what it means, query, measured column, operator, threshold,
// window, and the dimension that makes it fire (and resolve) per mapping or collection.
var logAlerts = concat(
  [
    {
      key: 'failed-runs'
      description: 'A mapping failed ${failedRunsPerHour} or more sync runs within an hour (docs/operating.md "Failed runs, with the reason").'
      severity: 2
      query: loadTextContent('queries/failed-runs.kql')
      measure: 'failedRuns'
      aggregation: 'Total'
      operator: 'GreaterThanOrEqual'
      threshold: failedRunsPerHour
      frequency: 'PT15M'
      window: 'PT1H'
      dimension: 'mappingKey'
      queryRange: ''
    }
    {
      key: 'scheduler-heartbeat'
      description: 'The scheduler logged no tick for ${schedulerHeartbeatMinutes} minutes: the app is stopped, or the timer cannot take its lock in storage.'
      severity: 1
      query: loadTextContent('queries/scheduler-heartbeat.kql')
      measure: 'ticks'
      aggregation: 'Total'
      operator: 'LessThan'
      threshold: 1
      frequency: 'PT5M'
      window: 'PT${schedulerHeartbeatMinutes}M'
      dimension: ''
      queryRange: ''
    }
    {
      key: 'mapping-blocked'
      description: 'A safety guard held back a mapping\'s removals within the last hour: approve or fix it (docs/operating.md "Blocked runs").'
      severity: 2
      query: loadTextContent('queries/mapping-blocked.kql')
      measure: 'blockedRuns'
      aggregation: 'Total'
      operator: 'GreaterThan'
      threshold: 0
      frequency: 'PT15M'
      window: 'PT1H'
      dimension: 'mappingKey'
      queryRange: ''
    }
    {
      key: 'mapping-quarantined'
      description: 'The scheduler skips a quarantined mapping (too many failures in a row): fix the cause and re-enable it.'
      severity: 2
      query: loadTextContent('queries/mapping-quarantined.kql')
      measure: 'quarantined'
      aggregation: 'Maximum'
      operator: 'GreaterThan'
      threshold: 0
      frequency: 'PT15M'
      window: 'PT15M'
      dimension: ''
      queryRange: ''
    }
  ],
  sourceMode == 'pushed'
    ? [
        {
          key: 'snapshot-stale'
          description: 'No collector confirmed or committed a mapped collection for more than ${snapshotMaxAgeMinutes} minutes (SNAPSHOT_MAX_AGE_MINUTES): removals are blocked (source-stale). Check the collector.'
          severity: 2
          query: loadTextContent('queries/snapshot-age.kql')
          measure: 'ageMinutes'
          aggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: snapshotMaxAgeMinutes
          frequency: 'PT15M'
          window: 'PT15M'
          dimension: 'collectionId'
          // The query looks a day back (overrideQueryTimeRange), so a collection whose collector stopped stays in
          // view, and the alert firing, for a day after its last confirm.
          queryRange: 'P1D'
        }
      ]
    : []
)

resource logAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for alert in logAlerts: {
  name: 'alert-${namePrefix}-${alert.key}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'collection-sync: ${alert.key}'
    description: alert.description
    severity: alert.severity
    enabled: true
    // Resolves itself at the first evaluation whose result no longer crosses the threshold.
    autoMitigate: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: alert.frequency
    windowSize: alert.window
    overrideQueryTimeRange: empty(alert.queryRange) ? null : alert.queryRange
    criteria: {
      allOf: [
        {
          query: '${appLines}\n${alert.query}'
          timeAggregation: alert.aggregation
          metricMeasureColumn: alert.measure
          operator: alert.operator
          threshold: alert.threshold
          dimensions: empty(alert.dimension)
            ? []
            : [
                {
                  name: alert.dimension
                  operator: 'Include'
                  values: [
                    '*'
                  ]
                }
              ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: actions
    }
  }
}]

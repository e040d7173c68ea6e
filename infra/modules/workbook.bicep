// An Azure Monitor workbook over the app's Application Insights: sync runs by status, members added and removed,
// members skipped by reason, Graph throttling (429s) and, in pushed mode, each collection's snapshot age. The
// queries are the files in queries/ (the same log lines the alerts read; test/infra/monitoring.test.ts checks
// their events and fields against the code). Open it under the Application Insights component → Workbooks.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Workbook resource name (a GUID, stable across deployments).')
param name string

@description('Resource id of the Application Insights component the queries read.')
param applicationInsightsId string

var appLines = loadTextContent('queries/app-lines.kql')

// title, query file content, how to draw it
var panels = [
  {
    title: 'Sync runs by status (per hour)'
    query: loadTextContent('queries/workbook-runs.kql')
    visualization: 'timechart'
  }
  {
    title: 'Members added and removed (per hour)'
    query: loadTextContent('queries/workbook-members.kql')
    visualization: 'barchart'
  }
  {
    title: 'Members skipped, by reason'
    query: loadTextContent('queries/workbook-skips.kql')
    visualization: 'table'
  }
  {
    title: 'Graph throttling: 429 answers and time waited, per tenant'
    query: loadTextContent('queries/workbook-throttling.kql')
    visualization: 'timechart'
  }
  {
    title: 'Collector snapshots: minutes since each collection was last confirmed or committed (pushed mode)'
    query: loadTextContent('queries/snapshot-age.kql')
    visualization: 'table'
  }
]

var content = {
  version: 'Notebook/1.0'
  items: concat(
    [
      {
        type: 9
        name: 'parameters'
        content: {
          version: 'KqlParameterItem/1.0'
          parameters: [
            {
              name: 'TimeRange'
              type: 4
              isRequired: true
              value: {
                durationMs: 86400000
              }
              typeSettings: {
                selectableValues: [
                  { durationMs: 3600000 }
                  { durationMs: 86400000 }
                  { durationMs: 604800000 }
                ]
              }
            }
          ]
        }
      }
    ],
    map(panels, panel => {
      type: 3
      name: panel.title
      content: {
        version: 'KqlItem/1.0'
        title: panel.title
        query: '${appLines}\n${panel.query}'
        queryType: 0
        resourceType: 'microsoft.insights/components'
        timeContextFromParameter: 'TimeRange'
        visualization: panel.visualization
      }
    })
  )
  fallbackResourceIds: [
    applicationInsightsId
  ]
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'collection-sync'
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: string(content)
  }
}

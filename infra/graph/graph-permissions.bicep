// Optional: the Bicep way to do what infra/grant-graph-permissions.sh does, with the Microsoft Graph Bicep
// extension. Public cloud only (the extension is not offered in national clouds). The deploying user needs
// AppRoleAssignment.ReadWrite.All and Application.Read.All, i.e. Privileged Role Administrator.
// Kept out of main.bicep so that a deployment by someone without those rights still provisions the app.
//
//   az deployment group create -g <resource-group> -f infra/graph/graph-permissions.bicep \
//     -p principalId=<AZURE_IDENTITY_PRINCIPAL_ID>
extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0'

@description('Object id of the managed identity\'s service principal (output AZURE_IDENTITY_PRINCIPAL_ID).')
@minLength(36)
@maxLength(36)
param principalId string

// Exactly the three application permissions the app needs, nothing wider (docs/deploy.md says why).
var permissions = [
  'GroupMember.ReadWrite.All'
  'Device.ReadWrite.All'
  'User.Read.All'
]

resource graph 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: '00000003-0000-0000-c000-000000000000'
}

resource grants 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [
  for permission in permissions: {
    appRoleId: filter(graph.appRoles, role => role.value == permission && contains(role.allowedMemberTypes, 'Application'))[0].id
    principalId: principalId
    resourceId: graph.id
  }
]

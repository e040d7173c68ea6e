#!/usr/bin/env pwsh
<#
.SYNOPSIS
Creates (or updates) the Entra app registration that protects the collection-sync HTTP API.

.DESCRIPTION
The same as create-api-app.sh, for Windows and PowerShell 7 (azd runs it as the preprovision hook on
Windows). App roles Mappings.Read / Mappings.ReadWrite (users and applications) and Snapshots.Write (an
on-premises collector, applications only), a user_impersonation scope
pre-authorized for the Azure CLI, v2 access tokens, identifier URI api://<client-id>, and a service principal
that hands out tokens only to principals holding one of the roles. Idempotent: found again by uniqueName.
As the azd hook it checks the settings SOURCE_MODE needs (adminservice: ADMINSERVICE_URL, ADMINSERVICE_AUTH and what
that mode needs; pushed: none), stores API_CLIENT_ID in the azd environment and, in pushed mode, creates (or finds
again) the collector's identity with the Snapshots.Write role.

.PARAMETER UniqueName
The registration's uniqueName. Default: collection-sync-api-$env:AZURE_ENV_NAME.
#>
[CmdletBinding()]
param(
    [string] $UniqueName = "collection-sync-api-$(if ($env:AZURE_ENV_NAME) { $env:AZURE_ENV_NAME } else { 'default' })",
    [string] $GraphBaseUrl = $(if ($env:GRAPH_BASE_URL) { $env:GRAPH_BASE_URL } else { 'https://graph.microsoft.com' })
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# Fixed ids, the same as in create-api-app.sh, so a re-run updates the roles and the scope in place.
$RoleReadId = '5ff2bfd8-369d-48fb-87e8-71bf20bda78e'
$RoleReadWriteId = 'f803c132-ba33-49a2-8a5e-ee38613b1957'
$RoleSnapshotsId = '36ecf3d5-e45e-480a-9c4f-3056f1355ff1'
$ScopeId = 'd7c8cb3a-74f1-4824-83f1-9cd5dfca1d44'
$AzureCliAppId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'

$envName = $env:AZURE_ENV_NAME
$sourceMode = if ($env:SOURCE_MODE) { $env:SOURCE_MODE } else { 'adminservice' }
# What each mode needs (the app refuses to start without it): pushed needs nothing of the AdminService (the collector
# reads it); adminservice needs ADMINSERVICE_URL and ADMINSERVICE_AUTH, a scope for the Entra modes and a sign-in
# client for entra-user.
if ($envName) {
    $missing = @()
    switch -Exact ($sourceMode) {
        'pushed' { }
        'adminservice' {
            if (-not $env:ADMINSERVICE_URL) { $missing += '  azd env set ADMINSERVICE_URL https://<sms-provider-or-cmg>/AdminService' }
            switch -Exact ("$env:ADMINSERVICE_AUTH") {
                'negotiate' { }
                { $_ -in @('entra-user', 'entra-app') } {
                    if (-not $env:ADMINSERVICE_SCOPE) { $missing += '  azd env set ADMINSERVICE_SCOPE <ConfigMgr server app Application ID URI>/.default' }
                    if ($_ -eq 'entra-user' -and -not $env:ADMINSERVICE_CLIENT_ID) {
                        $missing += '  azd env set ADMINSERVICE_CLIENT_ID <client id of the public client app the administrative user signs in with>'
                    }
                }
                default { $missing += '  azd env set ADMINSERVICE_AUTH negotiate   (or entra-user, or entra-app: not documented by Microsoft)' }
            }
            if ($missing.Count -gt 0) { $missing += '  (or, if Azure cannot reach the SMS Provider: azd env set SOURCE_MODE pushed — an on-premises collector)' }
        }
        default { $missing += '  azd env set SOURCE_MODE adminservice   (the app reads ConfigMgr) or pushed (an on-premises collector uploads)' }
    }
    if ($missing.Count -gt 0) {
        [Console]::Error.WriteLine('Tell collection-sync where its ConfigMgr data comes from, then run azd up again:')
        foreach ($line in $missing) { [Console]::Error.WriteLine($line) }
        exit 1
    }
}
$displayName = if ($envName) { "collection-sync API ($envName)" } else { 'collection-sync API' }
$api = "$($GraphBaseUrl.TrimEnd('/'))/v1.0"

function Invoke-AzRest {
    param([string] $Method, [string] $Url, $Body, [switch] $Upsert)
    $arguments = @('rest', '--method', $Method, '--url', $Url, '--output', 'json')
    $bodyFile = $null
    if ($null -ne $Body) {
        # A file, not an inline string: PowerShell mangles quotes in native-command arguments.
        $bodyFile = New-TemporaryFile
        $Body | ConvertTo-Json -Depth 10 -Compress | Set-Content -Path $bodyFile -Encoding utf8NoBOM
        $headers = @('Content-Type=application/json')
        if ($Upsert) { $headers += 'Prefer=create-if-missing' }
        $arguments += @('--headers') + $headers + @('--body', "@$bodyFile")
    }
    try {
        $out = & az @arguments
        if ($LASTEXITCODE -ne 0) { throw "az rest --method $Method $Url failed (exit code $LASTEXITCODE)" }
        if ($out) { return ($out | Out-String | ConvertFrom-Json) }
    }
    finally {
        if ($bodyFile) { Remove-Item -Path $bodyFile -Force }
    }
}

function Get-ApiObject([bool] $PreAuthorizeCli) {
    $preAuthorized = @()
    if ($PreAuthorizeCli) { $preAuthorized = @(@{ appId = $AzureCliAppId; delegatedPermissionIds = @($ScopeId) }) }
    return @{
        requestedAccessTokenVersion = 2
        oauth2PermissionScopes      = @(@{
                id = $ScopeId; value = 'user_impersonation'; type = 'User'; isEnabled = $true
                adminConsentDisplayName = 'Use collection-sync'
                adminConsentDescription = "Call the collection-sync API as the signed-in user (the user's app role decides what is allowed)."
                userConsentDisplayName = 'Use collection-sync'; userConsentDescription = 'Call the collection-sync API as you.'
            })
        preAuthorizedApplications   = $preAuthorized
    }
}

$appRoles = @(
    @{ id = $RoleReadId; value = 'Mappings.Read'; displayName = 'Read collection-sync mappings'; isEnabled = $true
        allowedMemberTypes = @('User', 'Application'); description = 'Read mappings, run history and previews.' },
    @{ id = $RoleReadWriteId; value = 'Mappings.ReadWrite'; displayName = 'Manage collection-sync mappings'; isEnabled = $true
        allowedMemberTypes = @('User', 'Application'); description = 'Create, change and delete mappings, sync now and approve blocked removals.' },
    @{ id = $RoleSnapshotsId; value = 'Snapshots.Write'; displayName = 'Upload collection snapshots'; isEnabled = $true
        allowedMemberTypes = @('Application'); description = 'For the on-premises collector: upload ConfigMgr collection snapshots and list the mapped collections.' }
)

# 1. The registration itself (created when missing, updated when it exists).
Invoke-AzRest -Method patch -Url "$api/applications(uniqueName='$UniqueName')" -Upsert -Body @{
    displayName = $displayName; signInAudience = 'AzureADMyOrg'; appRoles = $appRoles; api = (Get-ApiObject $false)
} | Out-Null
$app = Invoke-AzRest -Method get -Url "$api/applications(uniqueName='$UniqueName')?`$select=id,appId"
$clientId = $app.appId

# 2. The identifier URI needs the client id; pre-authorizing the Azure CLI needs the scope to exist.
Invoke-AzRest -Method patch -Url "$api/applications/$($app.id)" -Body @{
    identifierUris = @("api://$clientId"); api = (Get-ApiObject $true)
} | Out-Null

# 3. Its service principal: only principals assigned an app role can get a token.
Invoke-AzRest -Method patch -Url "$api/servicePrincipals(appId='$clientId')" -Upsert -Body @{ appRoleAssignmentRequired = $true } | Out-Null

if ($envName -and (Get-Command azd -ErrorAction SilentlyContinue)) {
    & azd env set API_CLIENT_ID $clientId
    if ($LASTEXITCODE -ne 0) { throw 'azd env set API_CLIENT_ID failed' }
}
# 4. pushed: the collector's identity, holding Snapshots.Write (and nothing else) on the API: the principal the
# operator names (COLLECTOR_PRINCIPAL_ID, e.g. an Azure Arc machine's identity) or an app registration of its own,
# found again by uniqueName. No secret here: install-collector.ps1 makes a certificate on the site server.
if ($sourceMode -eq 'pushed' -and $envName) {
    $collectorClientId = ''
    $collectorSp = "$env:COLLECTOR_PRINCIPAL_ID"
    if (-not $collectorSp) {
        $collectorName = "collection-sync-collector-$envName"
        Invoke-AzRest -Method patch -Url "$api/applications(uniqueName='$collectorName')" -Upsert -Body @{
            displayName = "collection-sync collector ($envName)"; signInAudience = 'AzureADMyOrg'
        } | Out-Null
        $collectorClientId = (Invoke-AzRest -Method get -Url "$api/applications(uniqueName='$collectorName')?`$select=appId").appId
        Invoke-AzRest -Method patch -Url "$api/servicePrincipals(appId='$collectorClientId')" -Upsert -Body @{} | Out-Null
        $collectorSp = (Invoke-AzRest -Method get -Url "$api/servicePrincipals(appId='$collectorClientId')?`$select=id").id
    }
    $apiSp = (Invoke-AzRest -Method get -Url "$api/servicePrincipals(appId='$clientId')?`$select=id").id
    $assigned = (Invoke-AzRest -Method get -Url "$api/servicePrincipals/$apiSp/appRoleAssignedTo").value |
        Where-Object { $_.principalId -eq $collectorSp -and $_.appRoleId -eq $RoleSnapshotsId }
    if (-not $assigned) {
        Invoke-AzRest -Method post -Url "$api/servicePrincipals/$apiSp/appRoleAssignedTo" -Body @{
            principalId = $collectorSp; resourceId = $apiSp; appRoleId = $RoleSnapshotsId
        } | Out-Null
    }
    # COLLECTOR_PRINCIPAL_ID stays the operator's own choice; the registration is found again by its name.
    if ($collectorClientId -and (Get-Command azd -ErrorAction SilentlyContinue)) {
        & azd env set COLLECTOR_CLIENT_ID $collectorClientId
    }
    Write-Host "Collector identity: $(if ($collectorClientId) { $collectorClientId } else { "principal $collectorSp" }) holds Snapshots.Write (the install command follows after provisioning)."
}
Write-Host "API app registration: $displayName"
Write-Host "  API_CLIENT_ID (apiClientId) = $clientId"
Write-Host "  Application ID URI          = api://$clientId"
Write-Host "Assign admins the Mappings.Read or Mappings.ReadWrite app role (docs/deploy.md, 'Give admins access')."
Write-Host "Assign an on-premises collector's identity the Snapshots.Write app role (docs/collector.md)."

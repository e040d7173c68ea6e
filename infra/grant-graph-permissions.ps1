#!/usr/bin/env pwsh
<#
.SYNOPSIS
Grants the collection-sync managed identity exactly the Microsoft Graph application permissions it needs.

.DESCRIPTION
The same as grant-graph-permissions.sh, for Windows and PowerShell 7 (azd runs it as the postprovision hook
on Windows). Grants, and nothing wider (docs/deploy.md says why each one is needed):
  GroupMember.ReadWrite.All  add and remove members of the mapped groups
  Device.ReadWrite.All       Graph requires it to add a *device* as a group member; it also reads devices
  User.Read.All              resolve users by UPN or object id
Safe to run again: permissions the identity already holds are skipped. Other Graph permissions it holds are
named as warnings (never removed). Needs the Azure CLI signed in (az login) as a Privileged Role Administrator
(or Global Administrator).

.PARAMETER PrincipalId
Object id of the managed identity's service principal. Default: $env:AZURE_IDENTITY_PRINCIPAL_ID (azd sets it).

.PARAMETER GraphBaseUrl
Graph root for national clouds. Default: $env:GRAPH_BASE_URL, else https://graph.microsoft.com.
#>
[CmdletBinding()]
param(
    [string] $PrincipalId = $env:AZURE_IDENTITY_PRINCIPAL_ID,
    [string] $GraphBaseUrl = $(if ($env:GRAPH_BASE_URL) { $env:GRAPH_BASE_URL } else { 'https://graph.microsoft.com' })
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$GraphAppId = '00000003-0000-0000-c000-000000000000'
$Permissions = @('GroupMember.ReadWrite.All', 'Device.ReadWrite.All', 'User.Read.All')

if (-not $PrincipalId) {
    [Console]::Error.WriteLine('Pass -PrincipalId <managed-identity-principal-id> or set AZURE_IDENTITY_PRINCIPAL_ID')
    exit 2
}
$api = "$($GraphBaseUrl.TrimEnd('/'))/v1.0"

function Invoke-AzRest {
    param([string] $Method, [string] $Url, [string] $BodyFile)
    $arguments = @('rest', '--method', $Method, '--url', $Url, '--output', 'json')
    # A file, not an inline string: PowerShell mangles quotes in native-command arguments.
    if ($BodyFile) { $arguments += @('--headers', 'Content-Type=application/json', '--body', "@$BodyFile") }
    $out = & az @arguments
    if ($LASTEXITCODE -ne 0) { throw "az rest --method $Method $Url failed (exit code $LASTEXITCODE)" }
    if ($out) { return ($out | Out-String | ConvertFrom-Json) }
}

$graph = Invoke-AzRest -Method get -Url "$api/servicePrincipals(appId='$GraphAppId')?`$select=id,appRoles"
$applicationRoles = @($graph.appRoles | Where-Object { $_.allowedMemberTypes -contains 'Application' })
$assignments = Invoke-AzRest -Method get -Url "$api/servicePrincipals/$PrincipalId/appRoleAssignments"
$held = @($assignments.value | Where-Object { $_.resourceId -eq $graph.id } | ForEach-Object { $_.appRoleId })

# Look every permission up before granting any, so a missing one changes nothing.
$wanted = @()
foreach ($permission in $Permissions) {
    $role = $applicationRoles | Where-Object { $_.value -eq $permission } | Select-Object -First 1
    if (-not $role) { throw "Microsoft Graph offers no application permission named $permission" }
    $wanted += $role
}

foreach ($role in $wanted) {
    if ($held -contains $role.id) {
        Write-Host "already granted: $($role.value)"
        continue
    }
    $bodyFile = New-TemporaryFile
    try {
        @{ principalId = $PrincipalId; resourceId = $graph.id; appRoleId = $role.id } |
            ConvertTo-Json -Compress | Set-Content -Path $bodyFile -Encoding utf8NoBOM
        Invoke-AzRest -Method post -Url "$api/servicePrincipals/$PrincipalId/appRoleAssignments" -BodyFile $bodyFile | Out-Null
    }
    finally {
        Remove-Item -Path $bodyFile -Force
    }
    Write-Host "granted: $($role.value)"
}

foreach ($id in $held) {
    if (@($wanted | ForEach-Object { $_.id }) -contains $id) { continue }
    $match = $applicationRoles | Where-Object { $_.id -eq $id } | Select-Object -First 1
    $name = if ($match) { $match.value } else { '(unknown)' }
    Write-Warning "the identity also holds the Microsoft Graph permission $name ($id). collection-sync does not need it: remove it unless something else uses this identity."
}
Write-Host 'Done. Tokens are cached for up to 24 hours: a new permission can take that long to reach the running app.'

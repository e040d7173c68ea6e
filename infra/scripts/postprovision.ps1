#!/usr/bin/env pwsh
<#
.SYNOPSIS
The azd postprovision hook on Windows: the same as postprovision.sh.

.DESCRIPTION
Grants the managed identity its Microsoft Graph permissions (infra/grant-graph-permissions.ps1), then, with
SOURCE_MODE=pushed, prints the exact install-collector.ps1 command line for the site server, filled in from the azd
environment. The command is printed even when the Graph grant fails; the hook then still fails.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$status = 0
try {
    $global:LASTEXITCODE = 0
    & (Join-Path $PSScriptRoot '..\grant-graph-permissions.ps1')
    # It ends with `exit 2` when it has no principal id; a thrown error lands in catch.
    if ($LASTEXITCODE -ne 0) { $status = $LASTEXITCODE }
}
catch {
    [Console]::Error.WriteLine($_.Exception.Message)
    $status = 1
}

if ("$env:SOURCE_MODE" -eq 'pushed') {
    $version = (Get-Content (Join-Path $PSScriptRoot '..\..\package.json') -Raw | ConvertFrom-Json).version
    $adminService = if ($env:ADMINSERVICE_URL) { $env:ADMINSERVICE_URL } else { 'https://<sms-provider-fqdn>/AdminService' }
    $appUrl = if ($env:AZURE_FUNCTION_APP_URL) { $env:AZURE_FUNCTION_APP_URL } else { 'https://<app>.azurewebsites.net' }
    $identity = if ($env:COLLECTOR_CLIENT_ID) { " -TenantId $env:AZURE_TENANT_ID -ClientId $env:COLLECTOR_CLIENT_ID" } else { '' }
    Write-Host ''
    Write-Host 'Pushed mode: install the collector on the site server (an elevated PowerShell 7 prompt, docs/collector.md).'
    Write-Host "Build the package here first: npm pack   (makes collection-sync-$version.tgz; copy it and infra/scripts/install-collector.ps1 over)"
    Write-Host ''
    Write-Host "  .\install-collector.ps1 -AppUrl $appUrl -AppIdUri api://$env:API_CLIENT_ID$identity ``"
    Write-Host "    -AdminServiceUrl $adminService -Gmsa '<DOMAIN>\<gmsa-name>`$' -Package .\collection-sync-$version.tgz"
    Write-Host ''
    if ($env:COLLECTOR_CLIENT_ID) {
        Write-Host 'It makes a certificate on the server (the private key never leaves it) and saves its public half as collector.cer.'
        Write-Host "Add that to the collector's app registration, from here:"
        Write-Host "  az ad app credential reset --id $env:COLLECTOR_CLIENT_ID --cert @collector.cer --append"
    }
    else {
        Write-Host "The collector signs in as COLLECTOR_PRINCIPAL_ID ($env:COLLECTOR_PRINCIPAL_ID), e.g. the server's Azure Arc identity: no certificate."
    }
}
exit $status

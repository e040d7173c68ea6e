<#
.SYNOPSIS
Installs the collection-sync on-premises collector on a Windows server next to the ConfigMgr site (docs/collector.md).

.DESCRIPTION
- Installs Node.js (LTS, 20 or later) with winget when no Node 20+ is on the PATH.
- Installs the collection-sync package (a .tgz built with `npm pack`, or an npm package spec) under -InstallDir.
- Writes the collector's settings to <DataDir>\collector.env, readable by Administrators, SYSTEM and the gMSA only:
  the app, its Application ID URI, the AdminService and how to sign in to it (ADMINSERVICE_AUTH, negotiate by
  default: the gMSA's own Kerberos identity). The collector's working directory is <DataDir>, so its data folder
  (the source identity cache) is <DataDir>\.collection-sync.
- With -ClientId (the collector's app registration, which `azd up` creates in pushed mode): makes a certificate on
  this server — the private key is written once, to <DataDir>\certificate\collector.pem, readable by
  Administrators, SYSTEM and the gMSA only, and never leaves the server — and saves its public half as
  collector.cer for `az ad app credential reset --id <ClientId> --cert @collector.cer --append`. The collector then
  signs in with it (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_CERTIFICATE_PATH). Without -ClientId the
  collector uses the machine's own identity (Azure Arc). Needs PowerShell 7.4 or later (pwsh).
- Registers a scheduled task that runs `collection-sync collect` as the gMSA: at start-up, restarted on failure
  (long-running), or with -Once every minute (one pass per run).
Idempotent: running it again updates the package, the settings and the task in place.

.EXAMPLE
.\install-collector.ps1 -AppUrl https://csync.azurewebsites.net -AppIdUri api://<API_CLIENT_ID> -TenantId <tenant id> -ClientId <COLLECTOR_CLIENT_ID> `
    -AdminServiceUrl https://cm01.contoso.com/AdminService -Gmsa 'CONTOSO\gmsa-csync$' -Package .\collection-sync-0.1.0.tgz
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [ValidatePattern('^https://')] [string] $AppUrl,
    # The app's Application ID URI (api://<API_CLIENT_ID>); the gMSA's machine identity needs the app role Snapshots.Write.
    [Parameter(Mandatory)] [string] $AppIdUri,
    # The collector's app registration (COLLECTOR_CLIENT_ID from `azd env get-values`) and its tenant: sign in with a
    # certificate made here. Leave both out to use the machine's Azure Arc identity instead.
    [ValidatePattern('^$|^[0-9a-fA-F-]{36}$')] [string] $ClientId,
    [ValidatePattern('^$|^[0-9a-fA-F-]{36}$')] [string] $TenantId,
    [Parameter(Mandatory)] [ValidatePattern('^https://')] [string] $AdminServiceUrl,
    # How the collector signs in to the AdminService: negotiate (Windows authentication as the gMSA itself, no
    # secret) or entra-app (an app-only Entra token through a Cloud Management Gateway; needs -AdminServiceScope).
    [ValidateSet('negotiate', 'entra-app')] [string] $AdminServiceAuth = 'negotiate',
    # entra-app: the Entra scope of the ConfigMgr server app, e.g. https://ConfigMgrService/.default.
    [string] $AdminServiceScope,
    # The group managed service account the collector runs as, e.g. CONTOSO\gmsa-csync$ (a ConfigMgr Read-only Analyst).
    [Parameter(Mandatory)] [ValidatePattern('\$$')] [string] $Gmsa,
    [Parameter(Mandatory)] [string] $Package,
    [ValidateRange(5, 86400)] [int] $IntervalSeconds = 15,
    [string] $InstallDir = (Join-Path $env:ProgramFiles 'collection-sync'),
    [string] $DataDir = (Join-Path $env:ProgramData 'collection-sync'),
    [string] $TaskName = 'collection-sync collector',
    [switch] $Once
)
$ErrorActionPreference = 'Stop'
if ($ClientId -and -not $TenantId) { throw '-ClientId needs -TenantId (AZURE_TENANT_ID from azd env get-values).' }
# The PEM export (ExportPkcs8PrivateKeyPem, ExportCertificatePem) is .NET 7 or later: PowerShell 7.4 or later.
$psVersion = [version]"$($PSVersionTable.PSVersion.Major).$($PSVersionTable.PSVersion.Minor)"
if ($ClientId -and $psVersion -lt [version]'7.4') {
    throw 'Making the collector''s certificate needs PowerShell 7.4 or later (winget install Microsoft.PowerShell), then run this again with pwsh.'
}
if ($AdminServiceAuth -eq 'entra-app' -and -not $AdminServiceScope) {
    throw '-AdminServiceAuth entra-app needs -AdminServiceScope (the ConfigMgr server app''s scope, e.g. https://ConfigMgrService/.default).'
}

function Get-NodeMajor {
    $node = Get-Command node -ErrorAction SilentlyContinue
    if (-not $node) { return 0 }
    $version = (& $node.Source --version) -replace '^v', ''
    return [int]($version.Split('.')[0])
}

# 1. Node.js 20 or later.
if ((Get-NodeMajor) -lt 20) {
    if (-not (Get-Command winget -ErrorAction SilentlyContinue)) {
        throw 'Node.js 20 or later is not installed and winget is not available: install Node.js LTS first (https://nodejs.org).'
    }
    winget install --id OpenJS.NodeJS.LTS --exact --silent --accept-package-agreements --accept-source-agreements
    $env:Path = [Environment]::GetEnvironmentVariable('Path', 'Machine') + ';' + [Environment]::GetEnvironmentVariable('Path', 'User')
    if ((Get-NodeMajor) -lt 20) { throw 'Node.js 20 or later is still not on the PATH after installing it.' }
}
$nodeExe = (Get-Command node).Source
$npm = Join-Path (Split-Path $nodeExe) 'npm.cmd'

# 2. The package.
New-Item -ItemType Directory -Force -Path $InstallDir, $DataDir | Out-Null
& $npm install --prefix $InstallDir --omit=dev --no-audit --no-fund $Package
if ($LASTEXITCODE -ne 0) { throw "npm install of $Package failed ($LASTEXITCODE)." }
$main = Join-Path $InstallDir 'node_modules\collection-sync\dist\cli\main.js'
if (-not (Test-Path $main)) { throw "The package did not install $main." }

# 3. The collector's certificate (with -ClientId): made once, here; a re-run keeps it. The folder is restricted before
# the key is written, so the key is never readable by anyone else.
$certificatePem = $null
if ($ClientId) {
    $certDir = Join-Path $DataDir 'certificate'
    $certificatePem = Join-Path $certDir 'collector.pem'
    $publicCer = Join-Path $certDir 'collector.cer'
    New-Item -ItemType Directory -Force -Path $certDir | Out-Null
    & icacls.exe $certDir /inheritance:r /grant:r 'BUILTIN\Administrators:(OI)(CI)F' 'NT AUTHORITY\SYSTEM:(OI)(CI)F' "${Gmsa}:(OI)(CI)R" | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "Could not restrict access to $certDir." }
    if (-not (Test-Path $certificatePem)) {
        $rsa = [System.Security.Cryptography.RSA]::Create(3072)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new(
            "CN=collection-sync collector $env:COMPUTERNAME", $rsa,
            [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddYears(2))
        Set-Content -Path $certificatePem -Value ($rsa.ExportPkcs8PrivateKeyPem() + "`n" + $certificate.ExportCertificatePem()) -Encoding ascii
        Set-Content -Path $publicCer -Value $certificate.ExportCertificatePem() -Encoding ascii
    }
}

# 4. Settings: no secret among them (the private key stays in its own file), but only its readers may see them.
$envFile = Join-Path $DataDir 'collector.env'
$settingLines = @(
    "COLLECTOR_APP_URL=$AppUrl"
    "COLLECTOR_APP_ID_URI=$AppIdUri"
    "COLLECTOR_INTERVAL_SECONDS=$IntervalSeconds"
    "ADMINSERVICE_URL=$AdminServiceUrl"
    "ADMINSERVICE_AUTH=$AdminServiceAuth"
)
if ($AdminServiceScope) { $settingLines += "ADMINSERVICE_SCOPE=$AdminServiceScope" }
# DefaultAzureCredential's environment credential: the collector's registration, signed in with the certificate.
if ($ClientId) { $settingLines += "AZURE_TENANT_ID=$TenantId" }
if ($ClientId) { $settingLines += "AZURE_CLIENT_ID=$ClientId" }
if ($ClientId) { $settingLines += "AZURE_CLIENT_CERTIFICATE_PATH=$certificatePem" }
$settingLines | Set-Content -Path $envFile -Encoding utf8
& icacls.exe $envFile /inheritance:r /grant:r 'BUILTIN\Administrators:F' 'NT AUTHORITY\SYSTEM:F' "${Gmsa}:R" | Out-Null
if ($LASTEXITCODE -ne 0) { throw "Could not restrict access to $envFile." }
& icacls.exe $DataDir /grant "${Gmsa}:(OI)(CI)M" | Out-Null
# The collector's data folder (its working directory's .collection-sync): the source identity cache holds device
# names and user principal names, so only Administrators, SYSTEM and the gMSA may read it.
$stateDir = Join-Path $DataDir '.collection-sync'
New-Item -ItemType Directory -Force -Path $stateDir | Out-Null
& icacls.exe $stateDir /inheritance:r /grant:r 'BUILTIN\Administrators:(OI)(CI)F' 'NT AUTHORITY\SYSTEM:(OI)(CI)F' "${Gmsa}:(OI)(CI)M" | Out-Null
if ($LASTEXITCODE -ne 0) { throw "Could not restrict access to $stateDir." }

# 5. The scheduled task, as the gMSA (LogonType Password: Windows fetches the gMSA's password itself).
$collectArgs = if ($Once) { 'collect --once' } else { 'collect' }
$action = New-ScheduledTaskAction -Execute $nodeExe -Argument "--env-file=`"$envFile`" `"$main`" $collectArgs" -WorkingDirectory $DataDir
$trigger = if ($Once) {
    New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Minutes 1)
} else {
    New-ScheduledTaskTrigger -AtStartup
}
$principal = New-ScheduledTaskPrincipal -UserId $Gmsa -LogonType Password -RunLevel Limited
$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 `
    -RestartInterval (New-TimeSpan -Minutes 1) -StartWhenAvailable -MultipleInstances IgnoreNew
Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Principal $principal -Settings $settings -Force | Out-Null
Start-ScheduledTask -TaskName $TaskName

Write-Host "collection-sync collector installed: task '$TaskName' runs as $Gmsa."
Write-Host "Settings: $envFile. Check it from this host as the gMSA: node --env-file=`"$envFile`" `"$main`" doctor"
if ($ClientId) {
    Write-Host "Certificate: $publicCer (public half). Add it to the collector's registration, where az is signed in:"
    Write-Host "  az ad app credential reset --id $ClientId --cert @collector.cer --append"
}
Write-Host "Then GET $AppUrl/api/health lists each mapped collection with the snapshot's age and this host's name."

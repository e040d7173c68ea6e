#!/bin/sh
# The azd postprovision hook: grants the managed identity its Microsoft Graph permissions
# (infra/grant-graph-permissions.sh), then, with SOURCE_MODE=pushed, prints the exact install-collector.ps1
# command line to run on the site server, filled in from the azd environment (docs/deploy.md "Pushed mode").
# The command is printed even when the Graph grant fails (it needs a Privileged Role Administrator), and the hook
# then still fails, so `azd up` stops there. POSIX sh on purpose: azd runs posix hooks with sh.
set -eu
# printf, not echo: dash's echo reads the backslashes of Windows paths (\c…) as escapes.

here=$(dirname "$0")
status=0
sh "$here/../grant-graph-permissions.sh" || status=$?

if [ "${SOURCE_MODE:-adminservice}" = pushed ]; then
  version=$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$here/../../package.json")
  admin_service=${ADMINSERVICE_URL:-https://<sms-provider-fqdn>/AdminService}
  identity=""
  if [ -n "${COLLECTOR_CLIENT_ID:-}" ]; then
    identity=" -TenantId ${AZURE_TENANT_ID:-<tenant id>} -ClientId $COLLECTOR_CLIENT_ID"
  fi
  printf '\n'
  printf '%s\n' "Pushed mode: install the collector on the site server (an elevated PowerShell 7 prompt, docs/collector.md)."
  printf '%s\n' "Build the package here first: npm pack   (makes collection-sync-$version.tgz; copy it and infra/scripts/install-collector.ps1 over)"
  printf '\n'
  printf '%s\n' "  .\\install-collector.ps1 -AppUrl ${AZURE_FUNCTION_APP_URL:-https://<app>.azurewebsites.net} -AppIdUri api://${API_CLIENT_ID:-<API_CLIENT_ID>}$identity \`"
  printf '%s\n' "    -AdminServiceUrl $admin_service -Gmsa '<DOMAIN>\\<gmsa-name>\$' -Package .\\collection-sync-$version.tgz"
  printf '\n'
  if [ -n "${COLLECTOR_CLIENT_ID:-}" ]; then
    printf '%s\n' "It makes a certificate on the server (the private key never leaves it) and saves its public half as collector.cer."
    printf '%s\n' "Add that to the collector's app registration, from here:"
    printf '%s\n' "  az ad app credential reset --id $COLLECTOR_CLIENT_ID --cert @collector.cer --append"
  else
    printf '%s\n' "The collector signs in as COLLECTOR_PRINCIPAL_ID (${COLLECTOR_PRINCIPAL_ID:-?}), e.g. the server's Azure Arc identity: no certificate."
  fi
fi
exit "$status"

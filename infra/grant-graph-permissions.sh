#!/bin/sh
# Grants the collection-sync managed identity exactly the Microsoft Graph application permissions it needs,
# and nothing wider (docs/deploy.md says why each one is needed):
#   GroupMember.ReadWrite.All  add and remove members of the mapped groups
#   Device.ReadWrite.All       Graph requires it to add a *device* as a group member; it also reads devices
#   User.Read.All              resolve users by UPN or object id
# Safe to run again: permissions the identity already holds are skipped. Other Graph permissions it holds are
# named on stderr (never removed) so an administrator can take them away.
#
# Usage: grant-graph-permissions.sh [principal-id]
#   principal-id    object id of the managed identity's service principal; default: $AZURE_IDENTITY_PRINCIPAL_ID
#                   (azd sets it from the main.bicep output when it runs this as the postprovision hook)
#   GRAPH_BASE_URL  Graph root for national clouds (default https://graph.microsoft.com)
# Needs the Azure CLI signed in (az login) as a Privileged Role Administrator (or Global Administrator).
# POSIX sh on purpose: azd runs posix hooks with sh.
set -eu

GRAPH_APP_ID=00000003-0000-0000-c000-000000000000
PERMISSIONS="GroupMember.ReadWrite.All Device.ReadWrite.All User.Read.All"

principal_id=${1:-${AZURE_IDENTITY_PRINCIPAL_ID:-}}
if [ -z "$principal_id" ]; then
  echo "usage: $0 <managed-identity-principal-id>   (or set AZURE_IDENTITY_PRINCIPAL_ID)" >&2
  exit 2
fi
graph=${GRAPH_BASE_URL:-https://graph.microsoft.com}
api="${graph%/}/v1.0"

# `az ... -o tsv` without the CR that az prints on Windows; a failing az call fails the script.
az_tsv() {
  out=$(az "$@" --output tsv) || return
  printf '%s\n' "$out" | tr -d '\r'
}

graph_sp=$(az_tsv rest --method get --url "$api/servicePrincipals(appId='$GRAPH_APP_ID')?\$select=id" --query id)
if [ -z "$graph_sp" ]; then
  echo "The Microsoft Graph service principal was not found in this tenant" >&2
  exit 1
fi

# One line per application permission Graph offers: "<appRoleId><TAB><value>".
roles=$(az_tsv rest --method get --url "$api/servicePrincipals/$graph_sp?\$select=appRoles" \
  --query "appRoles[?contains(allowedMemberTypes, 'Application')].[id, value]")
# The Graph permissions the identity holds already: one appRoleId per line.
held=$(az_tsv rest --method get --url "$api/servicePrincipals/$principal_id/appRoleAssignments" \
  --query "value[?resourceId=='$graph_sp'].appRoleId")

role_id() { printf '%s\n' "$roles" | awk -F '\t' -v name="$1" '$2 == name { print $1; exit }'; }
role_name() { printf '%s\n' "$roles" | awk -F '\t' -v id="$1" '$1 == id { print $2; exit }'; }
holds() { printf '%s\n' "$held" | grep -qx "$1"; }

# Look every permission up before granting any, so a missing one changes nothing.
wanted=""
for permission in $PERMISSIONS; do
  id=$(role_id "$permission")
  if [ -z "$id" ]; then
    echo "Microsoft Graph offers no application permission named $permission" >&2
    exit 1
  fi
  wanted="$wanted $id"
done

for permission in $PERMISSIONS; do
  id=$(role_id "$permission")
  if holds "$id"; then
    echo "already granted: $permission"
    continue
  fi
  az rest --method post --url "$api/servicePrincipals/$principal_id/appRoleAssignments" \
    --headers "Content-Type=application/json" \
    --body "{\"principalId\":\"$principal_id\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$id\"}" \
    --output none
  echo "granted: $permission"
done

for id in $held; do
  case " $wanted " in
    *" $id "*) ;;
    *) echo "warning: the identity also holds the Microsoft Graph permission $(role_name "$id") ($id)." \
      "collection-sync does not need it: remove it unless something else uses this identity." >&2 ;;
  esac
done
echo "Done. Tokens are cached for up to 24 hours: a new permission can take that long to reach the running app."

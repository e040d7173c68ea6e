#!/bin/sh
# Creates (or updates) the Entra app registration that protects the collection-sync HTTP API, and prints its
# application (client) id — the apiClientId parameter of infra/main.bicep / infra/resources.bicep.
#
#   app roles     Mappings.Read (read mappings, runs, previews) and Mappings.ReadWrite (also change them,
#                 sync now, approve blocked removals); for users and for applications (automation);
#                 Snapshots.Write for an on-premises collector (applications only)
#   scope         user_impersonation, pre-authorized for the Azure CLI, so an admin can call the API with
#                 `az account get-access-token --scope api://<client-id>/.default`
#   tokens        v2 access tokens (App Service Authentication validates the v2 issuer)
#   sign-in       only users and apps that hold one of the roles get a token (appRoleAssignmentRequired)
#
# Idempotent: the registration is found again by its uniqueName (Graph upsert), never duplicated.
# Usage: create-api-app.sh [unique-name]     default: collection-sync-api-$AZURE_ENV_NAME
#   GRAPH_BASE_URL  Graph root for national clouds (default https://graph.microsoft.com)
# As the azd preprovision hook it also checks the settings SOURCE_MODE needs (adminservice: ADMINSERVICE_URL,
# ADMINSERVICE_AUTH and what that mode needs; pushed: none) and stores API_CLIENT_ID in the azd environment; in
# pushed mode it also creates (or finds again) the collector's identity with the Snapshots.Write role. Needs the Azure CLI signed in as someone who may register applications (Application
# Developer or Cloud Application Administrator). POSIX sh on purpose: azd runs posix hooks with sh.
set -eu

# Role and scope ids are fixed so a re-run updates them in place instead of replacing them.
ROLE_READ_ID=5ff2bfd8-369d-48fb-87e8-71bf20bda78e
ROLE_READWRITE_ID=f803c132-ba33-49a2-8a5e-ee38613b1957
ROLE_SNAPSHOTS_ID=36ecf3d5-e45e-480a-9c4f-3056f1355ff1
SCOPE_ID=d7c8cb3a-74f1-4824-83f1-9cd5dfca1d44
AZURE_CLI_APP_ID=04b07795-8ddb-461a-bbee-02f9e1bf7b46

env_name=${AZURE_ENV_NAME:-}
source_mode=${SOURCE_MODE:-adminservice}
# What each mode needs (the app refuses to start without it; docs/deploy.md): pushed needs nothing of the
# AdminService (the collector reads it); adminservice needs ADMINSERVICE_URL and ADMINSERVICE_AUTH, a scope for
# the Entra modes and a sign-in client for entra-user.
if [ -n "$env_name" ]; then
  missing=""
  case "$source_mode" in
    pushed) ;;
    adminservice)
      [ -n "${ADMINSERVICE_URL:-}" ] || missing="$missing  azd env set ADMINSERVICE_URL https://<sms-provider-or-cmg>/AdminService\n"
      case "${ADMINSERVICE_AUTH:-}" in
        negotiate) ;;
        entra-user | entra-app)
          [ -n "${ADMINSERVICE_SCOPE:-}" ] || missing="$missing  azd env set ADMINSERVICE_SCOPE <ConfigMgr server app Application ID URI>/.default\n"
          if [ "$ADMINSERVICE_AUTH" = entra-user ] && [ -z "${ADMINSERVICE_CLIENT_ID:-}" ]; then
            missing="$missing  azd env set ADMINSERVICE_CLIENT_ID <client id of the public client app the administrative user signs in with>\n"
          fi
          ;;
        *) missing="$missing  azd env set ADMINSERVICE_AUTH negotiate   (or entra-user, or entra-app: not documented by Microsoft)\n" ;;
      esac
      if [ -n "$missing" ]; then
        missing="$missing  (or, if Azure cannot reach the SMS Provider: azd env set SOURCE_MODE pushed — an on-premises collector)\n"
      fi
      ;;
    *) missing="  azd env set SOURCE_MODE adminservice   (the app reads ConfigMgr) or pushed (an on-premises collector uploads)\n" ;;
  esac
  if [ -n "$missing" ]; then
    echo "Tell collection-sync where its ConfigMgr data comes from, then run azd up again:" >&2
    printf '%b' "$missing" >&2
    exit 1
  fi
fi
unique_name=${1:-collection-sync-api-${env_name:-default}}
display_name="collection-sync API${env_name:+ ($env_name)}"
graph=${GRAPH_BASE_URL:-https://graph.microsoft.com}
api="${graph%/}/v1.0"

az_tsv() {
  out=$(az "$@" --output tsv) || return
  printf '%s\n' "$out" | tr -d '\r'
}

# A JSON fragment: the `api` object, with the Azure CLI pre-authorized once the scope exists ($1 = true).
api_object() {
  pre_authorized='[]'
  if [ "$1" = true ]; then
    pre_authorized="[{\"appId\":\"$AZURE_CLI_APP_ID\",\"delegatedPermissionIds\":[\"$SCOPE_ID\"]}]"
  fi
  cat <<EOF
{"requestedAccessTokenVersion":2,
 "oauth2PermissionScopes":[{"id":"$SCOPE_ID","value":"user_impersonation","type":"User","isEnabled":true,
   "adminConsentDisplayName":"Use collection-sync","adminConsentDescription":"Call the collection-sync API as the signed-in user (the user's app role decides what is allowed).",
   "userConsentDisplayName":"Use collection-sync","userConsentDescription":"Call the collection-sync API as you."}],
 "preAuthorizedApplications":$pre_authorized}
EOF
}

app_roles='[
 {"id":"'$ROLE_READ_ID'","value":"Mappings.Read","displayName":"Read collection-sync mappings","isEnabled":true,
  "allowedMemberTypes":["User","Application"],"description":"Read mappings, run history and previews."},
 {"id":"'$ROLE_READWRITE_ID'","value":"Mappings.ReadWrite","displayName":"Manage collection-sync mappings","isEnabled":true,
  "allowedMemberTypes":["User","Application"],"description":"Create, change and delete mappings, sync now and approve blocked removals."},
 {"id":"'$ROLE_SNAPSHOTS_ID'","value":"Snapshots.Write","displayName":"Upload collection snapshots","isEnabled":true,
  "allowedMemberTypes":["Application"],"description":"For the on-premises collector: upload ConfigMgr collection snapshots and list the mapped collections."}]'

# 1. The registration itself (201 when created, 204 when it existed).
az rest --method patch --url "$api/applications(uniqueName='$unique_name')" \
  --headers "Content-Type=application/json" "Prefer=create-if-missing" \
  --body "{\"displayName\":\"$display_name\",\"signInAudience\":\"AzureADMyOrg\",\"appRoles\":$app_roles,\"api\":$(api_object false)}" \
  --output none
object_id=$(az_tsv rest --method get --url "$api/applications(uniqueName='$unique_name')?\$select=id" --query id)
client_id=$(az_tsv rest --method get --url "$api/applications(uniqueName='$unique_name')?\$select=appId" --query appId)

# 2. The identifier URI needs the client id; pre-authorizing the Azure CLI needs the scope to exist.
az rest --method patch --url "$api/applications/$object_id" \
  --headers "Content-Type=application/json" \
  --body "{\"identifierUris\":[\"api://$client_id\"],\"api\":$(api_object true)}" \
  --output none

# 3. Its service principal in this tenant: only principals assigned an app role can get a token.
az rest --method patch --url "$api/servicePrincipals(appId='$client_id')" \
  --headers "Content-Type=application/json" "Prefer=create-if-missing" \
  --body '{"appRoleAssignmentRequired":true}' \
  --output none

if [ -n "$env_name" ] && command -v azd >/dev/null 2>&1; then
  azd env set API_CLIENT_ID "$client_id"
fi

# 4. pushed: the collector's identity, holding Snapshots.Write (and nothing else) on the API. Either a principal the
# operator names (COLLECTOR_PRINCIPAL_ID: say an Azure Arc machine's managed identity), or an app registration
# of its own, found again by uniqueName. It gets no secret here: install-collector.ps1 makes a certificate on the
# site server, whose public half is added to this registration (docs/deploy.md "The collector's identity").
if [ "$source_mode" = pushed ] && [ -n "$env_name" ]; then
  collector_client_id=""
  collector_sp=${COLLECTOR_PRINCIPAL_ID:-}
  if [ -z "$collector_sp" ]; then
    collector_name="collection-sync-collector-$env_name"
    az rest --method patch --url "$api/applications(uniqueName='$collector_name')" \
      --headers "Content-Type=application/json" "Prefer=create-if-missing" \
      --body "{\"displayName\":\"collection-sync collector ($env_name)\",\"signInAudience\":\"AzureADMyOrg\"}" \
      --output none
    collector_client_id=$(az_tsv rest --method get --url "$api/applications(uniqueName='$collector_name')?\$select=appId" --query appId)
    az rest --method patch --url "$api/servicePrincipals(appId='$collector_client_id')" \
      --headers "Content-Type=application/json" "Prefer=create-if-missing" --body '{}' --output none
    collector_sp=$(az_tsv rest --method get --url "$api/servicePrincipals(appId='$collector_client_id')?\$select=id" --query id)
  fi
  api_sp=$(az_tsv rest --method get --url "$api/servicePrincipals(appId='$client_id')?\$select=id" --query id)
  held=$(az_tsv rest --method get --url "$api/servicePrincipals/$api_sp/appRoleAssignedTo" \
    --query "value[?principalId=='$collector_sp' && appRoleId=='$ROLE_SNAPSHOTS_ID'].id")
  if [ -z "$held" ]; then
    az rest --method post --url "$api/servicePrincipals/$api_sp/appRoleAssignedTo" \
      --headers "Content-Type=application/json" \
      --body "{\"principalId\":\"$collector_sp\",\"resourceId\":\"$api_sp\",\"appRoleId\":\"$ROLE_SNAPSHOTS_ID\"}" \
      --output none
  fi
  # COLLECTOR_PRINCIPAL_ID stays the operator's own choice; the registration is found again by its name.
  if [ -n "$collector_client_id" ] && command -v azd >/dev/null 2>&1; then
    azd env set COLLECTOR_CLIENT_ID "$collector_client_id"
  fi
  echo "Collector identity: ${collector_client_id:-principal $collector_sp} holds Snapshots.Write (the install command follows after provisioning)."
fi
echo "API app registration: $display_name"
echo "  API_CLIENT_ID (apiClientId) = $client_id"
echo "  Application ID URI          = api://$client_id"
echo "Assign admins the Mappings.Read or Mappings.ReadWrite app role (docs/deploy.md, 'Give admins access')."
echo "Assign an on-premises collector's identity the Snapshots.Write app role (docs/collector.md)."

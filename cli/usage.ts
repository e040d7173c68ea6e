/** Bad command-line input: printed with the usage hint, exit code 2. */
export class UsageError extends Error {}

export const USAGE = `collection-sync — keep Entra ID security groups filled from ConfigMgr collections

Usage:
  collection-sync serve [--port 7071] [--host 127.0.0.1]
  collection-sync sync [--collection ID] [--group ID] [--dry-run] [--json]
  collection-sync demo
  collection-sync mappings list [--json]
  collection-sync mappings add --collection ID --group ID [--mode additive|managed|mirror]
                               [--include-hybrid-joined] [--tenant ID] [--disabled] [--no-notify]
  collection-sync mappings set --collection ID --group ID [--mode MODE] [--include-hybrid-joined true|false]
                               [--enabled true|false] [--notify true|false]
                               [--removal-threshold-percent N] [--removal-threshold-count N]
  collection-sync mappings remove --collection ID --group ID
  collection-sync mappings approve --collection ID --group ID
  collection-sync runs --collection ID --group ID [--json]
  collection-sync runs show --collection ID --group ID [--run ID] [--outcome added|removed|held-back|skipped|failed]
                            [--csv | --json]
  collection-sync audit [--collection ID] [--group ID] [--actor TEXT] [--action ACTION[,ACTION]]
                        [--from TIME] [--to TIME] [--limit N] [--json]
                               who changed what (mappings, approvals, syncs requested), newest first
  collection-sync groups search TEXT [--tenant ID] [--json]
  collection-sync snapshots discard COLLECTION_ID
                               SOURCE_MODE=pushed: drop the collection's current snapshot; removals wait for the
                               collector's next pass
  collection-sync collect [--app URL] [--once] [--interval SECONDS]
                               on-premises collector: uploads mapped collections to the app (SOURCE_MODE=pushed)
  collection-sync adminservice sign-in | sign-out | status
                               ADMINSERVICE_AUTH=entra-user: sign the ConfigMgr administrative user in (device code)
  collection-sync doctor [--app URL] [--json]
                               checks every dependency (storage, queue, AdminService, Graph roles and groups,
                               snapshots; on a collector host the app and its token), one line each

Settings come from the environment (see docs/configuration.md: GRAPH_BASE_URL, ADMINSERVICE_URL, TABLES_CONNECTION, ...).
Without ADMINSERVICE_URL the CLI uses the built-in simulated tenant; without TABLES_CONNECTION/TABLES_ENDPOINT
it keeps its data in an embedded Azurite under ./.collection-sync/.

Exit codes: 0 success, 1 a mapping failed or was blocked (collect --once: a collection was not uploaded;
doctor: a check failed), 2 usage or configuration error.`;

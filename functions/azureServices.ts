import type { TokenCredential } from "@azure/identity";
import { loadSettings, requireCloudSettings, type Settings } from "../shared/config/settings.js";
import { openAdminServiceAuth } from "../shared/configmgr/openAdminServiceAuth.js";
import { openAdminServiceSignIn } from "../shared/configmgr/signIn/adminServiceSignIn.js";
import { createTenantCredentials } from "../shared/identity/credentials.js";
import { consoleLogger } from "../shared/logger.js";
import { azureMonitorMetricsReader, createMonitorDeadLetterCounter } from "../shared/queue/monitorDeadLetterCounter.js";
import { createServiceBusJobQueue, type DeadLetterCounter } from "../shared/queue/serviceBusJobQueue.js";
import type { TablesConnection } from "../shared/storage/tableStores.js";
import { composeServices, type AppServices } from "./composeServices.js";

/**
 * With SERVICEBUS_RESOURCE_ID the dead-letter count comes from Azure Monitor (Monitoring Reader on the namespace);
 * without it the Service Bus queue reports null ("unknown") rather than ask for Service Bus Data Owner.
 */
function deadLetterCounterFor(settings: Settings, credential: TokenCredential): { deadLetterCounter?: DeadLetterCounter } {
  if (settings.SERVICEBUS_RESOURCE_ID === undefined) return {};
  const host = settings.SERVICEBUS_CONNECTION__fullyQualifiedNamespace ?? "";
  return {
    deadLetterCounter: createMonitorDeadLetterCounter({
      namespaceResourceId: settings.SERVICEBUS_RESOURCE_ID,
      metrics: azureMonitorMetricsReader(credential, host),
    }),
  };
}

let cloudServices: Promise<AppServices> | undefined;

/**
 * The Azure Functions composition root: settings from app settings, managed identity everywhere, Service Bus
 * for jobs, Easy Auth in front of the API. Built once per worker process.
 */
export function getAppServices(): Promise<AppServices> {
  cloudServices ??= Promise.resolve().then(async () => {
    const settings = loadSettings(process.env);
    requireCloudSettings(settings);
    // stdout: the Functions host records console output at Information (stderr would read as errors).
    const log = consoleLogger(process.stdout);
    const credentialFor = createTenantCredentials(settings);
    const credential = credentialFor(null);
    const tables: TablesConnection =
      settings.TABLES_CONNECTION !== undefined ? { connectionString: settings.TABLES_CONNECTION } : { endpoint: settings.TABLES_ENDPOINT ?? "", credential };
    return composeServices({
      settings,
      tables,
      graphCredentialFor: credentialFor,
      adminServiceUrl: settings.ADMINSERVICE_URL ?? "",
      adminServiceAuth: await openAdminServiceAuth(settings, settings.ADMINSERVICE_URL, {
        appCredential: credential,
        // entra-user: the token cache is the Key Vault secret ADMINSERVICE_TOKEN_CACHE_SECRET_URI, read with the managed identity.
        userCredential: () => openAdminServiceSignIn(settings, { dataDir: null, credential }).credential(),
        processEnv: process.env,
      }),
      queue: () =>
        createServiceBusJobQueue({
          fullyQualifiedNamespace: settings.SERVICEBUS_CONNECTION__fullyQualifiedNamespace ?? "",
          queueName: settings.SERVICEBUS_QUEUE,
          credential,
          ...deadLetterCounterFor(settings, credential),
        }),
      auth: { mode: settings.API_AUTH, platformAuthEnabled: settings.WEBSITE_AUTH_ENABLED },
      log,
    });
  });
  return cloudServices;
}

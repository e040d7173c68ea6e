import type { TokenCredential } from "@azure/identity";
import { bearerAdminServiceAuth, noAdminServiceAuth, type AdminServiceAuth } from "../../shared/configmgr/adminServiceAuth.js";
import { diagnoseApp, type AppDoctorDeps } from "../../shared/doctor/appDiagnosis.js";
import type { Diagnosis, DiagnosticCheck } from "../../shared/doctor/diagnosis.js";
import { createGraphDirectoryProvider } from "../../shared/graph/graphDirectoryProvider.js";
import { silentLogger } from "../../shared/logger.js";
import { createInProcessJobQueue } from "../../shared/queue/inProcessJobQueue.js";
import type { TableStores } from "../../shared/storage/tableStores.js";
import { systemClock } from "../../shared/core/ports/clock.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { freshStores } from "../storage/freshStores.js";
import { DEVICE_COLLECTION, GROUP_ID, USER_COLLECTION, USER_GROUP_ID, entraDevice, entraUser, range, scenarioSeed } from "../support/fixtures.js";
import { newMapping } from "../support/newMapping.js";

/** The roles docs/deploy.md "Microsoft Graph permissions" lists: what a correctly granted app's token carries. */
export const ALL_ROLES = ["GroupMember.ReadWrite.All", "Device.ReadWrite.All", "User.Read.All"];

/**
 * A test-only credential: an unsigned JWT built here with the claims a test wants to see decoded. The loopback
 * simulated tenant issues no tokens, so this is how the roles check gets real input.
 */
export function tokenWithClaims(claims: Record<string, unknown>): TokenCredential {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const token = `${part({ alg: "none", typ: "JWT" })}.${part({ aud: "https://graph.microsoft.com", tid: "11111111-1111-4111-8111-111111111111", ...claims })}.`;
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

export const appToken = (roles: readonly string[]) =>
  tokenWithClaims({ roles, appid: "6b0e3c41-5f8a-4c1e-9d2a-7a1b2c3d4e5f", app_displayname: "collection-sync-prod", idtyp: "app" });

/** An AdminService sign-in with a name, as an app-only token would have (it sends nothing over loopback http). */
export function namedAppAuth(): AdminServiceAuth {
  return bearerAdminServiceAuth({
    mode: "entra-app",
    credential: appToken([]),
    scope: "https://ConfigMgrService/.default",
    identity: () => "the app's managed identity 6b0e3c41 (app-only token)",
  });
}

export interface DoctorWorld {
  readonly tenant: SimulatedTenant;
  readonly stores: TableStores;
  diagnose(options?: { graphToken?: TokenCredential | null; adminServiceAuth?: AdminServiceAuth; adminServiceUrl?: string }): Promise<Diagnosis>;
  close(): Promise<void>;
}

/** A simulated tenant with one device and one user mapping, tables of this test's own, and the real adapters. */
export async function startDoctorWorld(): Promise<DoctorWorld> {
  const users = range(1, 2).map((n) => entraUser(n, { withObjectId: true }));
  const tenant = await startSimulatedTenant({ seed: scenarioSeed({ collection: range(1, 3).map((n) => entraDevice(n)), users }) });
  const stores = freshStores();
  const now = new Date().toISOString();
  const mapping = { createdAt: now, updatedAt: now, createdBy: "test", updatedBy: "test" };
  await stores.mappings.create(newMapping({ ...mapping, collectionId: DEVICE_COLLECTION, groupId: GROUP_ID, memberType: "device" }));
  await stores.mappings.create(newMapping({ ...mapping, collectionId: USER_COLLECTION, groupId: USER_GROUP_ID, memberType: "user" }));
  const queue = createInProcessJobQueue({ clock: systemClock, log: silentLogger, concurrency: 1, handler: async () => undefined });
  const directories = createGraphDirectoryProvider({
    baseUrl: tenant.graphBaseUrl,
    credentialFor: () => null,
    maxConcurrency: 2,
    clock: systemClock,
    log: silentLogger,
  });
  return {
    tenant,
    stores,
    diagnose(options = {}) {
      const deps: AppDoctorDeps = {
        storage: () => stores.ping(),
        queue,
        mappings: stores.mappings,
        // The token is only decoded; Graph itself is the loopback simulator, called without one.
        graph: { baseUrl: tenant.graphBaseUrl, credentialFor: () => options.graphToken ?? null, directories },
        adminService: { baseUrl: options.adminServiceUrl ?? tenant.adminServiceUrl, auth: options.adminServiceAuth ?? noAdminServiceAuth, timeoutMs: 5_000 },
        snapshots: null,
      };
      return diagnoseApp(deps);
    },
    async close() {
      await queue.close();
      await tenant.close();
    },
  };
}

export function check(diagnosis: Diagnosis, name: string): DiagnosticCheck {
  const found = diagnosis.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no check "${name}" in: ${diagnosis.checks.map((c) => c.name).join(", ")}`);
  return found;
}

export const failures = (diagnosis: Diagnosis) => diagnosis.checks.filter((c) => c.status === "fail").map((c) => c.name);

/** The simulated tenant: Microsoft Graph v1.0 and ConfigMgr AdminService subsets over real HTTP (docs/simulator.md). */
export { startSimulatedTenant, simulatorToken } from "./simulatedTenant.js";
export type { SimulatedTenant, SimulatedTenantOptions } from "./simulatedTenant.js";
export type { RequestEvent, RequestListener } from "./core.js";
export type { FaultHandle, FaultSpec } from "./faults.js";
export type { RequestKind, RequestLogEntry, SimulatorCounters } from "./requestLog.js";
export { minimalWriteTimeMs, SIMULATED_APP_ID, tenantSizeFor } from "./graph/throttle.js";
export type { GrantedWrites, TenantSize, ThrottleOptions } from "./graph/throttle.js";
export { bundledSeedPath, loadSeedFile, normalizeSeed } from "./seed.js";
export type { NormalizedSeed, SeedCmUser, SeedCollection, SeedDevice, SeedGroup, SeedSystem, SeedTenant, SeedUser, SimulatorSeed } from "./seed.js";
export type { GroupPatch } from "./state/directoryState.js";
export { DEFAULT_PERMISSIONS } from "./state/directoryState.js";
export { FilterSyntaxError, parseFilter } from "./odataFilter.js";
export { filterNodeCount } from "./odataNodeCount.js";
export { LENIENT_ADMINSERVICE, STRICT_ADMINSERVICE } from "./adminService/profile.js";
export type { AdminServiceProfile } from "./adminService/profile.js";
export { demoSeed, DEMO_DEVICE_COLLECTION, DEMO_GROUP_ID, DEMO_TENANT_ID, DEMO_USER_COLLECTION } from "./demoSeed.js";
export { buildLargeSeed, largeSeedDeviceObjectId } from "./largeSeed.js";
export type { LargeSeed, LargeSeedIds, LargeSeedOptions } from "./largeSeed.js";

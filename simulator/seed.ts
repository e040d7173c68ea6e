/**
 * What a simulated tenant starts with: one or more Entra tenants and one ConfigMgr site. Seeds come from code
 * (tests, `buildLargeSeed`) or from JSON files (`simulator/seeds/*.json`), validated by the same schema.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";

const guidLike = z.string().min(1);

export const seedGroupSchema = z.object({
  id: guidLike,
  displayName: z.string(),
  description: z.string().nullable().optional(),
  groupTypes: z.array(z.string()).default([]),
  securityEnabled: z.boolean().default(true),
  mailEnabled: z.boolean().default(false),
  mailNickname: z.string().optional(),
  onPremisesSyncEnabled: z.boolean().nullable().default(null),
  isAssignableToRole: z.boolean().nullable().default(null),
  membershipRule: z.string().nullable().default(null),
  /** Directory object ids of direct members (devices and users). */
  members: z.array(guidLike).default([]),
});

export const seedDeviceSchema = z.object({
  /** Directory object id (what group membership uses). */
  id: guidLike,
  /** Entra device id (ConfigMgr's AADDeviceID). */
  deviceId: guidLike,
  displayName: z.string(),
  trustType: z.enum(["AzureAd", "ServerAd", "Workplace"]).nullable().default("AzureAd"),
  accountEnabled: z.boolean().default(true),
  operatingSystem: z.string().optional(),
});

export const seedUserSchema = z.object({
  id: guidLike,
  userPrincipalName: z.string(),
  displayName: z.string(),
  accountEnabled: z.boolean().default(true),
});

export const seedTenantSchema = z.object({
  tenantId: guidLike,
  /** Application permissions the app holds; omitted = what the product needs (docs/service-facts.md, Permissions). */
  grantedPermissions: z.array(z.string()).optional(),
  groups: z.array(seedGroupSchema).default([]),
  devices: z.array(seedDeviceSchema).default([]),
  users: z.array(seedUserSchema).default([]),
});

export const seedCollectionSchema = z.object({
  CollectionID: z.string(),
  Name: z.string(),
  /** 1 user, 2 device, 0 other. */
  CollectionType: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  LastMemberChangeTime: z.string().nullable().default(null),
  LastRefreshTime: z.string().nullable().optional(),
  LastChangeTime: z.string().nullable().optional(),
  RefreshType: z.number().default(2),
  members: z.array(z.number().int()).default([]),
});

export const seedSystemSchema = z.object({
  ResourceId: z.number().int(),
  Name: z.string(),
  AADDeviceID: z.string().nullable().default(null),
  AADTenantID: z.string().nullable().default(null),
  IsClient: z.boolean().default(true),
  IsActive: z.boolean().default(true),
  IsObsolete: z.boolean().default(false),
  IsDecommissioned: z.boolean().default(false),
});

export const seedCmUserSchema = z.object({
  ResourceId: z.number().int(),
  Name: z.string(),
  UserPrincipalName: z.string().nullable().default(null),
  AADUserID: z.string().nullable().default(null),
  AADTenantID: z.string().nullable().optional(),
});

export const seedConfigMgrSchema = z.object({
  collections: z.array(seedCollectionSchema).default([]),
  systems: z.array(seedSystemSchema).default([]),
  users: z.array(seedCmUserSchema).default([]),
});

export const simulatorSeedSchema = z.object({
  tenants: z.array(seedTenantSchema).min(1),
  configMgr: seedConfigMgrSchema.default({ collections: [], systems: [], users: [] }),
});

/** Seed as written (defaults optional). */
export type SimulatorSeed = z.input<typeof simulatorSeedSchema>;
/** Seed after defaults are applied. */
export type NormalizedSeed = z.output<typeof simulatorSeedSchema>;
export type SeedTenant = z.output<typeof seedTenantSchema>;
export type SeedGroup = z.output<typeof seedGroupSchema>;
export type SeedDevice = z.output<typeof seedDeviceSchema>;
export type SeedUser = z.output<typeof seedUserSchema>;
export type SeedCollection = z.output<typeof seedCollectionSchema>;
export type SeedSystem = z.output<typeof seedSystemSchema>;
export type SeedCmUser = z.output<typeof seedCmUserSchema>;
export type SeedConfigMgr = z.output<typeof seedConfigMgrSchema>;

export function normalizeSeed(seed: SimulatorSeed): NormalizedSeed {
  const parsed = simulatorSeedSchema.safeParse(seed);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid simulator seed:\n  - ${issues.join("\n  - ")}`);
  }
  return parsed.data;
}

/** Reads and validates a seed JSON file (e.g. `simulator/seeds/demo.json`). */
export async function loadSeedFile(path: string): Promise<SimulatorSeed> {
  const raw: unknown = JSON.parse(await readFile(path, "utf8"));
  return normalizeSeed(raw as SimulatorSeed);
}

/** Path of a seed shipped with the simulator, e.g. `bundledSeedPath("demo")`. */
export function bundledSeedPath(name: string): string {
  return new URL(`./seeds/${name}.json`, import.meta.url).pathname;
}

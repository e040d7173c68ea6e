import type { SimulatorSeed } from "../../simulator/seed.js";

export const TENANT = "11111111-1111-4111-8111-111111111111";

/** One group of every kind the API must tell apart (docs/graph.md "Groups that cannot take members from us"). */
export const GROUPS = {
  assigned: "a0000000-0000-4000-8000-000000000001",
  assigned2: "a0000000-0000-4000-8000-000000000002",
  dynamic: "b0000000-0000-4000-8000-000000000001",
  synced: "b0000000-0000-4000-8000-000000000002",
  mailEnabled: "b0000000-0000-4000-8000-000000000003",
  unified: "b0000000-0000-4000-8000-000000000004",
  roleAssignable: "b0000000-0000-4000-8000-000000000005",
  notSecurity: "b0000000-0000-4000-8000-000000000006",
  missing: "c0000000-0000-4000-8000-000000000009",
} as const;

export const COLLECTIONS = { devices: "PS100010", users: "PS100020", other: "PS100030", missing: "PS1000FF" } as const;

export const DEVICES = [
  { id: "d0000000-0000-4000-8000-000000000001", deviceId: "e0000000-0000-4000-8000-000000000001", name: "PC-001" },
  { id: "d0000000-0000-4000-8000-000000000002", deviceId: "e0000000-0000-4000-8000-000000000002", name: "PC-002" },
];

export function apiSeed(): SimulatorSeed {
  const group = (id: string, displayName: string, extra: Record<string, unknown> = {}) => ({ id, displayName, ...extra });
  return {
    tenants: [
      {
        tenantId: TENANT,
        groups: [
          group(GROUPS.assigned, "Intune Pilot Devices"),
          group(GROUPS.assigned2, "Intune Pilot Users"),
          group(GROUPS.dynamic, "Intune Dynamic Laptops", {
            groupTypes: ["DynamicMembership"],
            membershipRule: '(device.deviceOSType -eq "Windows")',
          }),
          group(GROUPS.synced, "Intune Synced From AD", { onPremisesSyncEnabled: true }),
          group(GROUPS.mailEnabled, "Intune Mail Security", { mailEnabled: true }),
          group(GROUPS.unified, "Intune Team", { groupTypes: ["Unified"], mailEnabled: true }),
          group(GROUPS.roleAssignable, "Intune Helpdesk Admins", { isAssignableToRole: true }),
          group(GROUPS.notSecurity, "Intune Distribution", { securityEnabled: false }),
        ],
        devices: DEVICES.map((d) => ({ id: d.id, deviceId: d.deviceId, displayName: d.name })),
        users: [],
      },
    ],
    configMgr: {
      collections: [
        { CollectionID: COLLECTIONS.devices, Name: "All Pilot Workstations", CollectionType: 2, members: [16777217, 16777218] },
        { CollectionID: COLLECTIONS.users, Name: "Pilot Users", CollectionType: 1, members: [] },
        { CollectionID: COLLECTIONS.other, Name: "Odd Collection", CollectionType: 0, members: [] },
      ],
      systems: DEVICES.map((d, i) => ({ ResourceId: 16777217 + i, Name: d.name, AADDeviceID: d.deviceId, AADTenantID: TENANT })),
      users: [],
    },
  };
}

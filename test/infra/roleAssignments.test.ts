import { describe, expect, it } from "vitest";
import { declarations, objectEntries, pathValue, readRepoFile, stringLiteral, stringVars } from "./support/bicep.js";
import { INFRA, moduleParam } from "./support/deployment.js";

/** Azure built-in role definition ids (Azure RBAC built-in roles reference) and where the app needs each. */
const NEEDED = [
  { role: "Storage Blob Data Owner", id: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", scope: "Microsoft.Storage/storageAccounts" },
  { role: "Storage Table Data Contributor", id: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", scope: "Microsoft.Storage/storageAccounts" },
  { role: "Azure Service Bus Data Sender", id: "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39", scope: "Microsoft.ServiceBus/namespaces/queues" },
  { role: "Azure Service Bus Data Receiver", id: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0", scope: "Microsoft.ServiceBus/namespaces/queues" },
  { role: "Monitoring Metrics Publisher", id: "3913510d-42f4-4e42-8a64-420c390055eb", scope: "Microsoft.Insights/components" },
  // /api/health's dead-letter count from the DeadletteredMessages metric (SERVICEBUS_RESOURCE_ID).
  { role: "Monitoring Reader", id: "43d0d8ad-25c7-4714-9337-8ba259a9fe05", scope: "Microsoft.ServiceBus/namespaces" },
];

/**
 * Only with exactQueueScaling (the default): the Functions scale controller reads the queue's message count from its
 * runtime properties, which need the Manage claim — Data Owner — and it is granted on the job queue alone.
 */
const SCALING = { role: "Azure Service Bus Data Owner", id: "090c5cfd-751d-490a-894a-3ce6f1109419", scope: "Microsoft.ServiceBus/namespaces/queues" };

/** Roles that would also work for the dead-letter count but allow far more. */
const TOO_WIDE = [{ role: "Monitoring Contributor", id: "749f88d5-cbae-40b8-bcfc-e573ddc772fa" }];

interface Assignment {
  readonly symbol: string;
  readonly roleId: string;
  readonly scopeSymbol: string;
  readonly scopeType: string;
  readonly name: string;
  readonly principalId: string;
  readonly principalType: string | undefined;
}

function assignments(): Assignment[] {
  const bicep = readRepoFile(INFRA.roles);
  const roleVars = stringVars(bicep);
  const all = declarations(bicep);
  return all
    .filter((d) => d.kind === "resource" && d.target === "Microsoft.Authorization/roleAssignments")
    .map((d) => {
      const entries = objectEntries(d.body);
      const roleExpression = pathValue(d.body, "properties", "roleDefinitionId") ?? "";
      const roleVar = /^subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', (\w+)\)$/.exec(roleExpression)?.[1] ?? "";
      const scopeSymbol = entries.get("scope") ?? "";
      return {
        symbol: d.symbol,
        roleId: roleVars.get(roleVar) ?? `unresolved: ${roleExpression}`,
        scopeSymbol,
        scopeType: all.find((s) => s.symbol === scopeSymbol)?.target ?? `unresolved: ${scopeSymbol}`,
        name: entries.get("name") ?? "",
        principalId: pathValue(d.body, "properties", "principalId") ?? "",
        principalType: stringLiteral(pathValue(d.body, "properties", "principalType")),
      };
    });
}

describe("the managed identity's role assignments (infra/modules/roleAssignments.bicep)", () => {
  it("grants exactly the data-plane roles the app needs, each once", () => {
    expect(
      assignments()
        .map((a) => a.roleId)
        .sort(),
    ).toEqual([...NEEDED, SCALING].map((n) => n.id).sort());
  });

  it.each(NEEDED)("grants $role on the $scope", ({ id, scope }) => {
    const found = assignments().filter((a) => a.roleId === id);
    expect(found.map((a) => a.scopeType)).toEqual([scope]);
  });

  it.each(TOO_WIDE)("does not grant $role: Monitoring Reader on the namespace is enough to count dead letters", ({ id }) => {
    expect(assignments().map((a) => a.roleId)).not.toContain(id);
  });

  it("lets the scale controller read the queue length: Data Owner on the job queue only, unless exactQueueScaling is off", () => {
    const owner = assignments().filter((a) => a.roleId === SCALING.id);
    expect(owner.map((a) => a.scopeType)).toEqual([SCALING.scope]);
    expect(readRepoFile(INFRA.roles)).toMatch(/resource queueOwner '[^']+' = if \(exactQueueScaling\)/);
    expect(moduleParam(INFRA.resources, "roles", "exactQueueScaling")).toBe("exactQueueScaling");
  });

  it("names each assignment guid(scope, principal, role), so a redeployment finds it instead of failing", () => {
    for (const assignment of assignments()) {
      const roleVar = [...stringVars(readRepoFile(INFRA.roles))].find(([, value]) => value === assignment.roleId)?.[0];
      expect(assignment.name, assignment.symbol).toBe(`guid(${assignment.scopeSymbol}.id, principalId, ${roleVar})`);
    }
  });

  it("assigns every role to the app's managed identity, as a service principal", () => {
    for (const assignment of assignments()) {
      expect(assignment.principalId, assignment.symbol).toBe("principalId");
      expect(assignment.principalType, assignment.symbol).toBe("ServicePrincipal");
    }
    expect(moduleParam(INFRA.resources, "roles", "principalId")).toBe("identity.properties.principalId");
  });

  it("runs the function app as that same identity", () => {
    expect(moduleParam(INFRA.resources, "functionApp", "identityId")).toBe("identity.id");
    expect(moduleParam(INFRA.resources, "functionApp", "identityClientId")).toBe("identity.properties.clientId");
  });
});

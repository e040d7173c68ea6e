import { expect } from "vitest";
import type { SimulatedTenant } from "../../simulator/index.js";

/**
 * Polls until the group holds exactly `expected` (in any order): an event-driven sync runs in the background.
 * Bounded, so a broken pipeline fails the test instead of hanging it.
 */
export async function groupBecomes(
  tenant: SimulatedTenant,
  groupId: string,
  expected: readonly (string | null | undefined)[],
  withinMs = 10_000,
): Promise<void> {
  const sorted = [...expected].sort();
  for (const deadline = Date.now() + withinMs; Date.now() < deadline;) {
    if (JSON.stringify(tenant.groupMemberIds(groupId).sort()) === JSON.stringify(sorted)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(tenant.groupMemberIds(groupId).sort()).toEqual(sorted);
}

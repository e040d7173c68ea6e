import { createMappingsApi } from "../../shared/api/router.js";
import { demoSeed, DEMO_DEVICE_COLLECTION } from "../../simulator/index.js";
import { callApi } from "../apiCall.js";
import { parse } from "../args.js";
import { runSummary } from "../format.js";
import type { CliIo } from "../io.js";
import { openLocalRuntime } from "../runtime.js";

const DEMO_GROUP_NAME = "Autopilot Devices - Cloud Sync";

/**
 * `demo`: the seed's example end to end on a throwaway simulated tenant and in-memory storage — a device
 * collection fills a group that already holds members added by hand, and those stay.
 */
export async function demoCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { json: { type: "boolean" } });
  const seed = demoSeed();
  const tenant = seed.tenants[0];
  const group = tenant?.groups?.find((g) => g.displayName === DEMO_GROUP_NAME);
  if (!tenant || !group) throw new Error("The bundled demo seed lacks its demo group");
  const names = new Map<string, string>([...(tenant.devices ?? []), ...(tenant.users ?? [])].map((o) => [o.id, o.displayName]));
  const nameOf = (id: string) => names.get(id) ?? id;

  const runtime = await openLocalRuntime({ env: {}, io: { out: () => {}, err: () => {} }, inMemoryStorage: true });
  try {
    const simulator = runtime.simulator;
    if (!simulator) throw new Error("demo needs the simulated tenant");
    const collection = simulator.collection(DEMO_DEVICE_COLLECTION);
    const before = simulator.groupMemberIds(group.id).map(nameOf).sort();
    const api = createMappingsApi(runtime.services.api);
    await callApi(api, "POST", "/mappings", { body: { collectionId: DEMO_DEVICE_COLLECTION, groupId: group.id } });
    const run = await runtime.services.runSync({ collectionId: DEMO_DEVICE_COLLECTION, groupId: group.id, trigger: "cli" });
    const after = simulator.groupMemberIds(group.id).map(nameOf).sort();
    if (values.json) {
      io.out(JSON.stringify({ collection: DEMO_DEVICE_COLLECTION, group: { id: group.id, displayName: group.displayName }, before, after, run }, null, 2));
      return run.status === "succeeded" ? 0 : 1;
    }
    io.out(`collection-sync demo — simulated tenant at ${simulator.graphBaseUrl}, in-memory storage\n`);
    io.out(`ConfigMgr collection ${DEMO_DEVICE_COLLECTION} "${collection?.Name ?? ""}": ${collection?.members.length ?? "?"} members`);
    io.out(`Entra group "${group.displayName}" before: ${before.length} members (added by hand)`);
    io.out(before.map((n) => `  ${n}`).join("\n"));
    io.out(`\nMapping added: ${DEMO_DEVICE_COLLECTION} → ${group.id} (additive: only adds, never removes)\n`);
    io.out(runSummary(run));
    io.out(`\nGroup after: ${after.length} members — the collection's Entra-joined devices plus the ${before.length} added by hand:`);
    const added = new Set(after.filter((n) => !before.includes(n)));
    io.out(after.map((n) => `  ${added.has(n) ? "+" : " "} ${n}`).join("\n"));
    io.out("\nSkipped members are not lost: the run counts them by reason (see above). Run it again: it adds 0.");
    return run.status === "succeeded" ? 0 : 1;
  } finally {
    await runtime.close();
  }
}

import { describe, expect, it } from "vitest";
import { readImportGraph, type ImportEdge, type ImportGraph } from "./importGraph.js";
import { collectorLoad, compositionOutsideRoots, consoleRuntimeImports, eagerCommands, engineReachingOut, fileCycles, folderCycles } from "./layeringRules.js";

const graph = readImportGraph(["shared", "functions", "cli", "simulator", "console/src"]);
const COLLECTOR = "cli/commands/collectCommand.ts";
/** docs/collector.md: the collector loads at most this many of our modules. */
const COLLECTOR_MODULE_BUDGET = 55;

describe("the import graph of the repository", () => {
  it("has no import cycle among the files of shared/", () => {
    expect(fileCycles(graph)).toEqual([]);
  });

  it("has no loop between the folders of shared/ (such as graph ↔ sync)", () => {
    expect(folderCycles(graph)).toEqual([]);
  });

  it("keeps the engine to its ports and pure helpers: no adapter, settings schema or mode-specific code", () => {
    expect(engineReachingOut(graph)).toEqual([]);
  });

  it("puts adapters together only in functions/ and cli/, and shared/ never imports them", () => {
    expect(compositionOutsideRoots(graph)).toEqual([]);
  });

  it("loads no command before the CLI knows which one runs", () => {
    expect(eagerCommands(graph, "cli/main.ts")).toEqual([]);
  });

  it("shares the API's wire types with the console as types only, so its bundle takes no code from shared/ but the label tables", () => {
    expect(consoleRuntimeImports(graph)).toEqual([]);
    expect(graph.edges.some((edge) => edge.from === "console/src/types.ts" && edge.to === "shared/api/apiWire.ts")).toBe(true);
  });
});

describe("the collector (collection-sync collect on a site server)", () => {
  const load = collectorLoad(graph, COLLECTOR);

  it(`loads at most ${COLLECTOR_MODULE_BUDGET} of our modules`, () => {
    expect(load.modules.length).toBeLessThanOrEqual(COLLECTOR_MODULE_BUDGET);
  });

  it("loads nothing of the cloud side: no simulator, Functions, Service Bus, Table Storage, Graph or engine code", () => {
    expect(load.forbidden).toEqual([]);
  });

  it("still loads what a pass needs: the AdminService source, the snapshot format and the app client", () => {
    expect(load.modules).toEqual(
      expect.arrayContaining([
        "shared/collector/collectPass.ts",
        "shared/configmgr/adminServiceSource.ts",
        "shared/snapshots/snapshotFormat.ts",
        "shared/collector/appClient.ts",
      ]),
    );
  });
});

describe("the rules themselves catch a forbidden import", () => {
  const edge = (from: string, to: string, kind: ImportEdge["kind"] = "static"): ImportEdge => ({
    from,
    to,
    kind,
    external: !to.includes("/") || to.startsWith("@"),
  });
  const synthetic = (edges: ImportEdge[]): ImportGraph => ({
    files: [...new Set(edges.flatMap((e) => (e.external ? [e.from] : [e.from, e.to])))].sort(),
    edges,
  });

  it("a loop of two files, even through a type-only import", () => {
    const loop = synthetic([edge("shared/api/router.ts", "shared/api/mappingRoutes.ts"), edge("shared/api/mappingRoutes.ts", "shared/api/router.ts", "type")]);
    expect(fileCycles(loop)).toEqual(["shared/api/mappingRoutes.ts → shared/api/router.ts → shared/api/mappingRoutes.ts"]);
  });

  it("a loop between two folders", () => {
    const loop = synthetic([edge("shared/graph/transport.ts", "shared/sync/syncDeps.ts", "type"), edge("shared/sync/planRun.ts", "shared/graph/lookups.ts")]);
    expect(folderCycles(loop)).toHaveLength(1);
  });

  it("the engine importing an adapter, the settings schema, a mode's code or an SDK", () => {
    const reaching = synthetic([
      edge("shared/sync/syncMapping.ts", "shared/snapshots/pushedSource.ts"),
      edge("shared/sync/syncDeps.ts", "shared/config/settings.ts"),
      edge("shared/core/ports/directory.ts", "shared/graph/graphDirectory.ts", "type"),
      edge("shared/sync/finishRun.ts", "@azure/data-tables"),
      edge("shared/sync/planRun.ts", "shared/core/ports/clock.ts"),
    ]);
    expect(engineReachingOut(reaching)).toEqual([
      "shared/sync/syncMapping.ts imports shared/snapshots/pushedSource.ts",
      "shared/sync/syncDeps.ts imports shared/config/settings.ts",
      "shared/core/ports/directory.ts imports shared/graph/graphDirectory.ts",
      "shared/sync/finishRun.ts imports the package @azure/data-tables",
    ]);
  });

  it("a module of shared/ wiring two adapters together, or importing a door", () => {
    const composing = synthetic([
      edge("shared/compose.ts", "shared/storage/tableStores.ts"),
      edge("shared/compose.ts", "shared/graph/graphDirectoryProvider.ts"),
      edge("functions/composeServices.ts", "shared/storage/tableStores.ts"),
      edge("functions/composeServices.ts", "shared/queue/serviceBusJobQueue.ts"),
      edge("shared/notify/notifierTick.ts", "functions/azureServices.ts", "dynamic"),
    ]);
    expect(compositionOutsideRoots(composing).sort()).toEqual([
      "shared/compose.ts composes shared/graph + shared/storage",
      "shared/notify/notifierTick.ts imports functions/azureServices.ts",
    ]);
  });

  it("a collector that loads the cloud side, and a CLI that loads every command up front", () => {
    const heavy = synthetic([
      edge("cli/main.ts", "cli/commands/collectCommand.ts"),
      edge("cli/commands/collectCommand.ts", "functions/composeServices.ts"),
      edge("functions/composeServices.ts", "shared/storage/tableStores.ts"),
      edge("shared/storage/tableStores.ts", "@azure/data-tables"),
      edge("functions/composeServices.ts", "simulator/index.ts", "dynamic"),
    ]);
    expect(collectorLoad(heavy, COLLECTOR).forbidden).toEqual(["functions/composeServices.ts", "shared/storage/tableStores.ts", "@azure/data-tables"]);
    expect(eagerCommands(heavy, "cli/main.ts")).toEqual([COLLECTOR]);
  });

  it("the console importing code from shared/", () => {
    const console = synthetic([edge("console/src/format.ts", "shared/core/ids.ts"), edge("console/src/types.ts", "shared/api/apiWire.ts", "type")]);
    expect(consoleRuntimeImports(console)).toEqual(["console/src/format.ts imports shared/core/ids.ts at run time"]);
  });

  it("the console's shared label tables importing code", () => {
    const labels = synthetic([edge("console/src/format.ts", "shared/core/labels.ts"), edge("shared/core/labels.ts", "shared/core/ids.ts")]);
    expect(consoleRuntimeImports(labels)).toEqual(["shared/core/labels.ts (shipped with the console) imports shared/core/ids.ts"]);
  });
});

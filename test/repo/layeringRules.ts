// The dependency rules of DESIGN "Boundaries" (docs/architecture.md), as functions over an import graph, so the
// same code checks the real repository (layering.test.ts) and a synthetic graph that breaks each rule on purpose.
import { findCycles, folderOf, staticClosure, type ImportGraph } from "./importGraph.js";

/** The engine: one sync of one mapping, and what it needs from nowhere but its ports. */
export const ENGINE = "shared/sync/";
/** The engine's domain records and the ports (interfaces) it talks through; adapters implement them. */
export const CORE = "shared/core/";
/** Small helpers with no I/O that the engine and the core may use. */
export const PURE_HELPERS: readonly string[] = ["shared/errors.ts", "shared/logger.ts", "shared/eventLoop.ts"];
/** Packages the engine and the core may use: no SDK, no settings, no I/O. */
export const CORE_PACKAGES: readonly string[] = ["node:crypto", "zod"];
/** One folder per technology the app talks to; putting two of them together is composing. */
export const ADAPTER_FOLDERS: readonly string[] = ["shared/graph", "shared/configmgr", "shared/storage", "shared/queue", "shared/identity"];
/** Where adapters are put together: the two doors. */
export const COMPOSITION_ROOTS: readonly string[] = ["functions/", "cli/"];

const ours = (graph: ImportGraph) => graph.edges.filter((edge) => !edge.external);

/** Import loops among the files of shared/, counting type-only imports too (a loop of types is still a knot to read). */
export function fileCycles(graph: ImportGraph): string[] {
  const files = graph.files.filter((file) => file.startsWith("shared/"));
  return findCycles(files, ours(graph)).map((cycle) => cycle.join(" → "));
}

/** Loops between the folders of shared/ (graph ↔ sync and the like), from the same edges. */
export function folderCycles(graph: ImportGraph): string[] {
  const folders = [...new Set(graph.files.filter((file) => file.startsWith("shared/")).map((file) => folderOf(file)))];
  const edges = ours(graph)
    .filter((edge) => edge.from.startsWith("shared/") && edge.to.startsWith("shared/"))
    .map((edge) => ({ from: folderOf(edge.from), to: folderOf(edge.to) }))
    .filter((edge) => edge.from !== edge.to);
  return findCycles(folders, edges).map((cycle) => cycle.join(" → "));
}

/** The engine imports only itself, the core and the pure helpers; the core only itself and the pure helpers. */
export function engineReachingOut(graph: ImportGraph): string[] {
  const problems: string[] = [];
  for (const edge of graph.edges) {
    const inEngine = edge.from.startsWith(ENGINE);
    const inCore = edge.from.startsWith(CORE);
    if (!inEngine && !inCore) continue;
    if (edge.external) {
      if (!CORE_PACKAGES.includes(edge.to)) problems.push(`${edge.from} imports the package ${edge.to}`);
      continue;
    }
    const allowed = edge.to.startsWith(CORE) || PURE_HELPERS.includes(edge.to) || (inEngine && edge.to.startsWith(ENGINE));
    if (!allowed) problems.push(`${edge.from} imports ${edge.to}`);
  }
  return problems;
}

/**
 * Only functions/ and cli/ put adapters of different technologies together, and shared/ never reaches back into
 * them (nor into the simulator, the benchmarks or the tests).
 */
export function compositionOutsideRoots(graph: ImportGraph): string[] {
  const problems: string[] = [];
  const byFile = new Map<string, Set<string>>();
  for (const edge of ours(graph)) {
    if (edge.from.startsWith("shared/") && /^(functions|cli|simulator|bench|test)\//.test(edge.to)) problems.push(`${edge.from} imports ${edge.to}`);
    if (edge.kind === "type") continue;
    const adapter = ADAPTER_FOLDERS.find((folder) => edge.to.startsWith(`${folder}/`));
    if (adapter === undefined || edge.from.startsWith(`${adapter}/`)) continue;
    const adapters = byFile.get(edge.from) ?? new Set<string>();
    adapters.add(adapter);
    byFile.set(edge.from, adapters);
  }
  for (const [file, adapters] of byFile) {
    if (adapters.size > 1 && !COMPOSITION_ROOTS.some((root) => file.startsWith(root))) {
      problems.push(`${file} composes ${[...adapters].sort().join(" + ")}`);
    }
  }
  return problems;
}

/** What the collector loads before it runs anything, and why any of it does not belong there. */
export function collectorLoad(graph: ImportGraph, entry: string): { modules: string[]; packages: string[]; forbidden: string[] } {
  const { files, packages } = staticClosure(graph, entry);
  const forbiddenFile = /^(simulator|functions)\/|^shared\/(queue|api|sync|scheduling|notify|doctor|graph)\/|^shared\/storage\/(?!sourceIdentityFile\.ts$)/;
  const forbiddenPackage = /^@azure\/(functions|service-bus|data-tables|monitor-query)$|^@microsoft\/microsoft-graph-client$|^azurite$/;
  const forbidden = [...files.filter((file) => forbiddenFile.test(file)), ...packages.filter((name) => forbiddenPackage.test(name))];
  return { modules: files, packages, forbidden };
}

/**
 * The label tables the console shares with the API, CSV and notifications (one wording everywhere): pure data,
 * shipped beside the console's modules by scripts/build-console.mjs.
 */
export const CONSOLE_SHARED_DATA: readonly string[] = ["shared/core/labels.ts"];

/**
 * The console (browser code, its own tsconfig) shares the API's wire types, never code: type-only imports of
 * shared/, except the pure-data label tables, which themselves import nothing.
 */
export function consoleRuntimeImports(graph: ImportGraph, sharedData: readonly string[] = CONSOLE_SHARED_DATA): string[] {
  const runtime = ours(graph)
    .filter((edge) => edge.from.startsWith("console/") && !edge.to.startsWith("console/") && edge.kind !== "type" && !sharedData.includes(edge.to))
    .map((edge) => `${edge.from} imports ${edge.to} at run time`);
  const impure = ours(graph)
    .filter((edge) => sharedData.includes(edge.from))
    .map((edge) => `${edge.from} (shipped with the console) imports ${edge.to}`);
  return [...runtime, ...impure];
}

/** Commands the CLI's entry point loads before it knows which one runs (each should load when it runs). */
export function eagerCommands(graph: ImportGraph, entry: string): string[] {
  return staticClosure(graph, entry).files.filter((file) => file.startsWith("cli/commands/"));
}

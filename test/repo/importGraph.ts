// Reads the repository's own import graph from the TypeScript sources (the compiler's parser, no bundler), so the
// dependency rules in layering.test.ts check what `tsc` compiles rather than a hand-kept list.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

export type ImportKind = "static" | "type" | "dynamic";

export interface ImportEdge {
  readonly from: string;
  /** Repository-relative path of the imported file, or the package name for a bare specifier. */
  readonly to: string;
  readonly kind: ImportKind;
  readonly external: boolean;
}

export interface ImportGraph {
  readonly files: readonly string[];
  readonly edges: readonly ImportEdge[];
}

export const repoRoot = resolve(dirname(new URL(import.meta.url).pathname), "..", "..");

const toPosix = (path: string): string => path.split(sep).join("/");

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listSources(full));
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function resolveRelative(fromFile: string, specifier: string): string {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"), base, `${base}.ts`, join(base, "index.ts")];
  const found = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  return found ?? base;
}

function importsOf(file: string, text: string): { specifier: string; kind: ImportKind }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const found: { specifier: string; kind: ImportKind }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, kind: isTypeOnlyImport(node) ? "type" : "static" });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, kind: isTypeOnlyExport(node) ? "type" : "static" });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, kind: "type" });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, kind: "dynamic" });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

// `import { type A, type B } from "x"` is erased like `import type`; a bare `import "x"` is kept (side effects).
function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/** The import graph of every TypeScript file under `folders` (repository-relative). */
export function readImportGraph(folders: readonly string[], root: string = repoRoot): ImportGraph {
  const files = folders.flatMap((folder) => listSources(join(root, folder)));
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const from = toPosix(relative(root, file));
    for (const { specifier, kind } of importsOf(file, readFileSync(file, "utf8"))) {
      const external = !specifier.startsWith(".");
      const to = external ? packageName(specifier) : toPosix(relative(root, resolveRelative(file, specifier)));
      edges.push({ from, to, kind, external });
    }
  }
  return { files: files.map((file) => toPosix(relative(root, file))).sort(), edges };
}

/** Edges that exist at run time once `tsc` has erased type-only imports. */
export const runtimeEdges = (graph: ImportGraph): ImportEdge[] => graph.edges.filter((edge) => edge.kind !== "type");

/** Every file `entry` loads before running anything: its static (non-type, non-dynamic) imports, transitively. */
export function staticClosure(graph: ImportGraph, entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>([entry]);
  const packages = new Set<string>();
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const edge of graph.edges) {
      if (edge.from !== file || edge.kind !== "static") continue;
      if (edge.external) packages.add(edge.to);
      else if (!files.has(edge.to)) {
        files.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/**
 * The import cycles among `nodes`: each strongly connected component with more than one member (or a self-import)
 * is reported once, as one concrete loop through it, so a report names a path a reader can follow and break.
 */
export function findCycles(nodes: readonly string[], edges: readonly { from: string; to: string }[]): string[][] {
  const next = new Map<string, string[]>();
  for (const node of nodes) next.set(node, []);
  for (const { from, to } of edges) if (next.has(from) && next.has(to)) next.get(from)!.push(to);

  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of next.get(node)!) {
      if (!index.has(target)) {
        connect(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = component.length === 1 && next.get(node)!.includes(node);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const node of nodes) if (!index.has(node)) connect(node);
  return components.map((component) => loopThrough(component, next));
}

function loopThrough(component: string[], next: Map<string, string[]>): string[] {
  const inside = new Set(component);
  const start = [...component].sort()[0]!;
  // Breadth-first from start back to start inside the component: the shortest loop through it.
  const previous = new Map<string, string>();
  const queue = [start];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const target of next.get(node)!) {
      if (!inside.has(target)) continue;
      if (target === start) {
        const path = [node];
        for (let at = node; at !== start; at = previous.get(at)!) path.unshift(previous.get(at)!);
        return [...path, start];
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

/** The folder a file counts towards for folder-level rules: `shared/sync/ports/clock.ts` → `shared/sync`. */
export function folderOf(file: string, depth = 2): string {
  return file.split("/").slice(0, depth).join("/");
}

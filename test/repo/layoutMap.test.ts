import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { headings, readText, repoRoot } from "./support/repoText.js";

/**
 * docs/development.md's layout map is how a newcomer finds their way: it must name every folder of shared/, every
 * function and every CLI command with a purpose, and nothing that is gone. The tree is read, not listed here, so a
 * folder added or moved fails this test until the map says what it is for.
 */
const MAP_FILE = "docs/development.md";
const ignoredTopLevel = new Set(["node_modules", "dist", "coverage", "test-artifacts"]);

const folders = (dir: string) =>
  readdirSync(join(repoRoot, dir)).filter((name) => !name.startsWith(".") && !ignoredTopLevel.has(name) && statSync(join(repoRoot, dir, name)).isDirectory());
const filesIn = (dir: string) => readdirSync(join(repoRoot, dir)).filter((name) => statSync(join(repoRoot, dir, name)).isFile());

/** A file of functions/ that registers an Azure Function (`app.http(…)`, `app.timer(…)`, …), as opposed to the wiring beside them. */
const registersFunction = (name: string) => /\bapp\.\w+\(\s*["']/.test(readFileSync(join(repoRoot, "functions", name), "utf8"));

/** What the tree holds: the repository's folders, shared/'s folders, the function files and the CLI commands. */
function tree() {
  return {
    topLevel: folders(".").map((name) => `${name}/`),
    shared: folders("shared").map((name) => `${name}/`),
    functionFiles: filesIn("functions"),
    functions: filesIn("functions").filter((name) => name.endsWith(".ts") && registersFunction(name)),
    // cli/commands/adminServiceCommand.ts is `collection-sync adminservice`.
    cli: filesIn("cli/commands")
      .filter((name) => name.endsWith("Command.ts"))
      .map((name) => name.replace(/Command\.ts$/, "").toLowerCase()),
  };
}

interface MapEntry {
  readonly name: string;
  readonly purpose: string;
}

/** The map: the code block of the "Layout" section, top-level entries unindented, their parts indented under them. */
function layoutMap(): Map<string, { purpose: string; parts: MapEntry[] }> {
  const section = headings(readText(join(repoRoot, MAP_FILE))).find((heading) => heading.text === "Layout");
  const block = /```\n([\s\S]*?)\n```/.exec(section?.body ?? "")?.[1] ?? "";
  const map = new Map<string, { purpose: string; parts: MapEntry[] }>();
  let parent: { purpose: string; parts: MapEntry[] } | undefined;
  for (const line of block.split("\n")) {
    const match = /^( *)(\S+) {2,}(\S.*)$/.exec(line);
    if (!match) continue;
    const [, indent, name, purpose] = match as unknown as [string, string, string, string];
    if (indent === "") map.set(name, (parent = { purpose, parts: [] }));
    else parent?.parts.push({ name, purpose });
  }
  return map;
}

const partsOf = (folder: string) => (layoutMap().get(folder)?.parts ?? []).map((entry) => entry.name);

describe(`the layout map in ${MAP_FILE}`, () => {
  it("names every folder of the repository, each with its purpose", () => {
    const map = layoutMap();
    expect(tree().topLevel.filter((name) => !map.has(name))).toEqual([]);
    expect([...map.values()].filter((entry) => entry.purpose.split(" ").length < 2)).toEqual([]);
  });

  it("names every top-level folder of shared/", () => {
    expect(tree().shared.filter((name) => !partsOf("shared/").includes(name))).toEqual([]);
  });

  it("names every Azure Function", () => {
    expect(tree().functions.filter((name) => !partsOf("functions/").includes(name))).toEqual([]);
  });

  it("names every CLI command", () => {
    expect(tree().cli.filter((name) => !partsOf("cli/").includes(name))).toEqual([]);
  });

  it("gives every part a purpose of a few words", () => {
    const terse = [...layoutMap().values()].flatMap((entry) => entry.parts).filter((part) => part.purpose.split(" ").length < 3);
    expect(terse).toEqual([]);
  });

  it("names nothing the tree no longer has", () => {
    const { topLevel, shared, functionFiles, cli } = tree();
    const map = layoutMap();
    expect([...map.keys()].filter((name) => !topLevel.includes(name))).toEqual([]);
    expect(partsOf("shared/").filter((name) => !shared.includes(name))).toEqual([]);
    expect(partsOf("functions/").filter((name) => !functionFiles.includes(name))).toEqual([]);
    expect(partsOf("cli/").filter((name) => !cli.includes(name))).toEqual([]);
  });
});

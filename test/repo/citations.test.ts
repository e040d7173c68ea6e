import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { filesUnder, headings, readText, repoRoot as root, type Heading } from "./support/repoText.js";

/** The repository stands on its own: every file and section a doc or comment points to is in it. */
const textFile = /\.(ts|mts|mjs|js|md|json|bicep|sh|ps1|yaml|yml)$|^\.funcignore$|^run$/;
const files = filesUnder(".", (name) => textFile.test(name)).filter((path) => !path.endsWith("package-lock.json"));
const thisFile = fileURLToPath(import.meta.url);

/** Where citations live: the manual, and the comments of every code folder. */
const codeFolders = ["shared", "functions", "cli", "simulator", "infra", "test", "bench", "scripts", "console/src", ".ci"];
const citingFiles = [
  join(root, "README.md"),
  ...filesUnder("docs", (name) => name.endsWith(".md")),
  ...codeFolders.flatMap((folder) => filesUnder(folder, (name) => textFile.test(name))),
].filter((path) => path !== thisFile);

const where = (path: string, text: string, index: number) => `${relative(root, path)}:${text.slice(0, index).split("\n").length}`;

/** A wrapped comment reads as one line: `…"Service Bus and the\n * Functions host"` → `…"Service Bus and the Functions host"`. */
const unwrapped = (text: string) => text.replace(/[ \t]*\r?\n[ \t]*(?:\*(?!\/)|\/\/|#(?!#))?[ \t]*/g, (line) => " ".padEnd(line.length, "\u0000"));

/** The file a citation names: `README` is the repository's; a path with a folder is from the root; a bare name, beside the citing file or in docs/. */
function citedFile(name: string, from: string): string {
  if (/^README(\.md)?$/.test(name)) return join(root, "README.md");
  if (name.includes("/")) return join(root, name);
  const beside = join(dirname(from), name);
  return existsSync(beside) ? beside : join(root, "docs", name);
}

/** A heading answers to its text, or to its text without a closing parenthesis: "Entra sign-in" for "Entra sign-in (ADMINSERVICE_AUTH=entra-user)". */
const namedBy = (heading: Heading, cited: string) => heading.text === cited || heading.text.replace(/\s*\([^()]*\)$/, "") === cited;

const headingsOf = new Map<string, Heading[]>();
function headingsIn(path: string): Heading[] {
  if (!headingsOf.has(path)) headingsOf.set(path, headings(readText(path)));
  return headingsOf.get(path)!;
}

describe("citations in docs and comments", () => {
  it("never cite a team handbook that is not in the repository", () => {
    const handbook = new RegExp(["FACTS", "DESIGN", "STYLE"].map((name) => `${name}\\.md`).join("|") + `|${"DESIGN"} §`);
    const offenders = files
      .filter((path) => path !== thisFile)
      .flatMap((path) =>
        readText(path)
          .split("\n")
          .map((line, index) => ({ line, at: `${relative(root, path)}:${index + 1}` }))
          .filter(({ line }) => handbook.test(line))
          .map(({ at }) => at),
      );
    expect(offenders).toEqual([]);
  });

  it("name only docs/ files that exist", () => {
    const missing = files.flatMap((path) =>
      [...readText(path).matchAll(/\bdocs\/([\w.-]+\.md)/g)]
        .map((match) => `docs/${match[1]}`)
        .filter((doc) => !existsSync(join(root, doc)))
        .map((doc) => `${relative(root, path)} → ${doc}`),
    );
    expect(missing).toEqual([]);
  });

  it("link only to files that exist from README and docs/", () => {
    const markdown = files.filter((path) => path.endsWith(".md"));
    const broken = markdown.flatMap((path) =>
      [...readText(path).matchAll(/\]\(([^)\s]+)\)/g)]
        .map((match) => match[1]!.split("#")[0]!)
        .filter((target) => target !== "" && !/^[a-z]+:/i.test(target))
        .filter((target) => !existsSync(resolve(dirname(path), decodeURI(target))))
        .map((target) => `${relative(root, path)} → ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it("link to sections of README and docs/ that exist", () => {
    const markdown = citingFiles.filter((path) => path.endsWith(".md"));
    const broken = markdown.flatMap((path) => {
      const text = readText(path);
      return [...text.matchAll(/\]\(([^)\s:]*)#([^)\s]+)\)/g)]
        .filter((match) => {
          const target = match[1] === "" ? path : resolve(dirname(path), decodeURI(match[1]!));
          if (!target.endsWith(".md") || !existsSync(target)) return false; // a missing file is the test above's
          return !headingsIn(target).some((heading) => heading.anchor === decodeURIComponent(match[2]!));
        })
        .map((match) => `${where(path, text, match.index)} → ${match[1]}#${match[2]}`);
    });
    expect(broken).toEqual([]);
  });

  it('cite sections as file "Heading" (and "step N" of a numbered list), each naming a heading the file has', () => {
    const citation = /(?<![\w/.-])((?:[\w-]+\/)*[\w-]+\.md|README)(,?) "([^"\p{Cc}]{1,120})"(?: steps? (\d+)(?: and (\d+))?)?/gu;
    const broken = citingFiles.flatMap((path) => {
      const original = readText(path);
      return [...unwrapped(original).matchAll(citation)].flatMap((match) => {
        const [, name, comma, cited, ...steps] = match as unknown as [string, string, string, string, ...(string | undefined)[]];
        const at = `${where(path, original, match.index)} → ${name}${comma} "${cited}"`;
        const file = citedFile(name, path);
        if (!existsSync(file)) return [`${at}: no such file`];
        if (comma) return [`${at}: write it without the comma`];
        const heading = headingsIn(file).find((candidate) => namedBy(candidate, cited));
        if (!heading) return [`${at}: no such heading in ${relative(root, file)}`];
        return steps
          .filter((step): step is string => step !== undefined)
          .filter((step) => !new RegExp(`^${step}\\. `, "m").test(heading.body))
          .map((step) => `${at} step ${step}: no such step`);
      });
    });
    expect(broken).toEqual([]);
  });

  it("point comments at a docs page's #anchor only where that heading exists", () => {
    const code = citingFiles.filter((path) => !path.endsWith(".md"));
    const broken = code.flatMap((path) => {
      const text = readText(path);
      return [...text.matchAll(/(?<![\w/.-])((?:[\w-]+\/)*[\w-]+\.md)#([\w-]+)/g)]
        .filter((match) => {
          const file = citedFile(match[1]!, path);
          return !existsSync(file) || !headingsIn(file).some((heading) => heading.anchor === match[2]);
        })
        .map((match) => `${where(path, text, match.index)} → ${match[1]}#${match[2]}`);
    });
    expect(broken).toEqual([]);
  });

  it("keeps the service facts, with a public source for each Microsoft service the code talks to", () => {
    const facts = readText(join(root, "docs/service-facts.md"));
    for (const section of ["Microsoft Graph", "ConfigMgr AdminService", "Service Bus", "Table Storage", "Blob Storage", "App Service Authentication"]) {
      expect(facts).toContain(`## ${section}`);
    }
    expect(facts).toMatch(/simulator only/);
    expect(facts.match(/https:\/\/learn\.microsoft\.com\//g)?.length ?? 0).toBeGreaterThan(30);
  });
});

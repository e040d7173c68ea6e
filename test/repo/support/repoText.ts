import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Reading the repository's own files, for the tests that keep its docs and comments true. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const skipped = new Set(["node_modules", "dist", ".git", "coverage", ".collection-sync", "test-artifacts"]);

/** Every file under `dir` (relative to the repository root) whose name passes `keep`, as absolute paths. */
export function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const walk = (path: string): string[] =>
    readdirSync(path).flatMap((name) => {
      if (skipped.has(name) || name.startsWith("__")) return [];
      const child = join(path, name);
      if (statSync(child).isDirectory()) return walk(child);
      return keep(name) ? [child] : [];
    });
  return walk(join(repoRoot, dir));
}

export const readText = (path: string): string => readFileSync(path, "utf8");

export interface Heading {
  readonly level: number;
  readonly text: string;
  /** The anchor GitHub gives the heading, with -1, -2… for repeats. */
  readonly anchor: string;
  /** The lines of the section, up to the next heading of the same or a higher level. */
  readonly body: string;
}

/** GitHub's heading anchor: lower case, punctuation dropped (links and markup keep their text), spaces to hyphens. */
function slug(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/ /g, "-");
}

/** The Markdown headings of a file, outside fenced code blocks. */
export function headings(markdown: string): Heading[] {
  const lines = markdown.split("\n");
  const found: { level: number; text: string; line: number }[] = [];
  let fenced = false;
  lines.forEach((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const match = fenced ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (match) found.push({ level: match[1]!.length, text: match[2]!, line: index });
  });
  const seen = new Map<string, number>();
  return found.map(({ level, text, line }, index) => {
    const base = slug(text);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    const next = found.slice(index + 1).find((other) => other.level <= level);
    const body = lines.slice(line + 1, next?.line ?? lines.length).join("\n");
    return { level, text, anchor: count === 0 ? base : `${base}-${count}`, body };
  });
}

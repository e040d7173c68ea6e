import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Just enough of a Bicep reader for the infra tests (there is no Bicep compiler here, docs/service-facts.md "Node
 * toolchain"): it knows strings (with `${…}` interpolation and `'''` literals), comments and brackets, and
 * reads declarations, object properties and array items as raw expression text.
 */

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export function readRepoFile(relativePath: string): string {
  return readFileSync(`${repoRoot}${relativePath}`, "utf8");
}

/** Index just past the string literal that starts at `start` (a `'`). */
function skipString(text: string, start: number): number {
  if (text.startsWith("'''", start)) {
    const end = text.indexOf("'''", start + 3);
    if (end < 0) throw new Error(`unterminated ''' string at ${start}`);
    return end + 3;
  }
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") i += 2;
    else if (c === "'") return i + 1;
    else if (c === "$" && text[i + 1] === "{") i = matchClose(text, i + 1) + 1;
    else i += 1;
  }
  throw new Error(`unterminated string at ${start}`);
}

/** Index just past a comment starting at `start`, or `start` when none starts there. */
function skipComment(text: string, start: number): number {
  if (text.startsWith("//", start)) {
    const end = text.indexOf("\n", start);
    return end < 0 ? text.length : end;
  }
  if (text.startsWith("/*", start)) {
    const end = text.indexOf("*/", start + 2);
    if (end < 0) throw new Error(`unterminated comment at ${start}`);
    return end + 2;
  }
  return start;
}

const CLOSERS: Record<string, string> = { "{": "}", "[": "]", "(": ")" };

/** Index of the bracket that closes the one at `open`. */
export function matchClose(text: string, open: number): number {
  const stack: string[] = [];
  let i = open;
  while (i < text.length) {
    const c = text[i] ?? "";
    const afterComment = skipComment(text, i);
    if (afterComment !== i) {
      i = afterComment;
      continue;
    }
    if (c === "'") {
      i = skipString(text, i);
      continue;
    }
    const closer = CLOSERS[c];
    if (closer !== undefined) stack.push(closer);
    else if (c === "}" || c === "]" || c === ")") {
      if (stack.pop() !== c) throw new Error(`unbalanced '${c}' at ${i}`);
      if (stack.length === 0) return i;
    }
    i += 1;
  }
  throw new Error(`no closing bracket for ${open}`);
}

/** The text with comments blanked out (strings kept), so declarations can be found with plain regexes. */
export function withoutComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const afterComment = skipComment(text, i);
    if (afterComment !== i) {
      out += text.slice(i, afterComment).replace(/[^\n]/g, " ");
      i = afterComment;
    } else if (text[i] === "'") {
      const end = skipString(text, i);
      out += text.slice(i, end);
      i = end;
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

/**
 * Splits the inside of `{…}` or `[…]` into its top-level pieces: one per line, or per comma on one line.
 * Comments are dropped; nested brackets and strings stay whole.
 */
function topLevelPieces(inner: string): string[] {
  const pieces: string[] = [];
  let current = "";
  let i = 0;
  while (i < inner.length) {
    const c = inner[i] ?? "";
    const afterComment = skipComment(inner, i);
    if (afterComment !== i) {
      i = afterComment;
    } else if (c === "'") {
      const end = skipString(inner, i);
      current += inner.slice(i, end);
      i = end;
    } else if (CLOSERS[c] !== undefined) {
      const end = matchClose(inner, i);
      current += inner.slice(i, end + 1);
      i = end + 1;
    } else if (c === "\n" || c === ",") {
      if (current.trim() !== "") pieces.push(current.trim());
      current = "";
      i += 1;
    } else {
      current += c;
      i += 1;
    }
  }
  if (current.trim() !== "") pieces.push(current.trim());
  return pieces;
}

/** The raw expressions of an object literal's top-level properties, by name (quoted names unquoted). */
export function objectEntries(objectText: string): Map<string, string> {
  const text = objectText.trim();
  if (!text.startsWith("{")) throw new Error(`not an object: ${text.slice(0, 40)}`);
  const entries = new Map<string, string>();
  for (const piece of topLevelPieces(text.slice(1, matchClose(text, 0)))) {
    const match = /^('(?:[^']*)'|[A-Za-z_][\w]*)\s*:\s*([\s\S]*)$/.exec(piece);
    if (match === null) throw new Error(`not a property: ${piece}`);
    const key = (match[1] ?? "").replace(/^'|'$/g, "");
    entries.set(key, (match[2] ?? "").trim());
  }
  return entries;
}

/** The raw expressions of an array literal's items. */
export function arrayItems(arrayText: string): string[] {
  const text = arrayText.trim();
  if (!text.startsWith("[")) throw new Error(`not an array: ${text.slice(0, 40)}`);
  return topLevelPieces(text.slice(1, matchClose(text, 0)));
}

/** Follows a path of property names through nested object literals; undefined when a step is missing. */
export function pathValue(objectText: string, ...path: string[]): string | undefined {
  let current: string | undefined = objectText;
  for (const key of path) {
    if (current === undefined || !current.trim().startsWith("{")) return undefined;
    current = objectEntries(current).get(key);
  }
  return current;
}

/** The value of a Bicep string literal without interpolation, else undefined (an expression). */
export function stringLiteral(expression: string | undefined): string | undefined {
  if (expression === undefined) return undefined;
  const match = /^'((?:[^'\\$]|\\.|\$(?!\{))*)'$/.exec(expression.trim());
  return match?.[1]?.replace(/\\(.)/g, "$1");
}

export interface Declaration {
  readonly kind: "resource" | "module";
  readonly symbol: string;
  /** Resource type without API version, or the module's path. */
  readonly target: string;
  readonly apiVersion: string | null;
  readonly existing: boolean;
  /** The body object; for a `[for … : {…}]` loop, the object inside the loop. */
  readonly body: string;
  readonly loop: boolean;
}

/** Every `resource` and `module` declaration at the top level of a Bicep file (nested ones are not read). */
export function declarations(bicep: string): Declaration[] {
  const text = withoutComments(bicep);
  const found: Declaration[] = [];
  const pattern = /^(resource|module)\s+(\w+)\s+'([^']+)'\s*(existing\s*)?=\s*/gm;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    let i = match.index + match[0].length;
    if (text.startsWith("if", i)) {
      const open = text.indexOf("(", i);
      i = matchClose(text, open) + 1;
      while (/\s/.test(text[i] ?? "")) i += 1;
    }
    const opener = text[i];
    if (opener !== "{" && opener !== "[") throw new Error(`cannot read declaration ${match[2]}`);
    let body = text.slice(i, matchClose(text, i) + 1);
    const loop = opener === "[";
    if (loop) body = body.slice(body.indexOf("{"), body.lastIndexOf("}") + 1);
    const [target = "", apiVersion] = (match[3] ?? "").split("@");
    found.push({
      kind: match[1] === "module" ? "module" : "resource",
      symbol: match[2] ?? "",
      target,
      apiVersion: apiVersion ?? null,
      existing: match[4] !== undefined,
      body,
      loop,
    });
  }
  return found;
}

export interface Param {
  readonly name: string;
  readonly type: string;
  /** Raw default expression, undefined when the parameter is required. */
  readonly defaultValue: string | undefined;
  /** Decorators written directly above it, e.g. `@minValue(10)`. */
  readonly decorators: string[];
}

export function params(bicep: string): Param[] {
  const found: Param[] = [];
  let decorators: string[] = [];
  // Top-level statements: a multi-line decorator or default value stays one piece.
  for (const statement of topLevelPieces(withoutComments(bicep))) {
    const param = /^param\s+(\w+)\s+([\w[\]]+)(?:\s*=\s*([\s\S]+))?$/.exec(statement);
    if (statement.startsWith("@")) {
      decorators.push(statement);
    } else {
      if (param !== null) found.push({ name: param[1] ?? "", type: param[2] ?? "", defaultValue: param[3]?.trim(), decorators });
      decorators = [];
    }
  }
  return found;
}

/** `var name = '<literal>'` declarations, by name. */
export function stringVars(bicep: string): Map<string, string> {
  const vars = new Map<string, string>();
  const pattern = /^var\s+(\w+)\s*=\s*('.*')\s*$/gm;
  const text = withoutComments(bicep);
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const value = stringLiteral(match[2]);
    if (value !== undefined) vars.set(match[1] ?? "", value);
  }
  return vars;
}

/** The single declaration of a resource type in a file; fails the test when there is not exactly one. */
export function onlyResource(bicep: string, type: string): Declaration {
  const matches = declarations(bicep).filter((d) => d.kind === "resource" && d.target === type && !d.existing);
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  const [only] = matches;
  if (only === undefined) throw new Error(`no ${type}`);
  return only;
}

/** ISO 8601 (`PT5M`) or .NET (`00:05:00`) duration in seconds. */
export function durationSeconds(value: string): number {
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (iso !== null) {
    const [, d = "0", h = "0", m = "0", s = "0"] = iso;
    return Number(d) * 86_400 + Number(h) * 3_600 + Number(m) * 60 + Number(s);
  }
  const clock = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(value);
  if (clock !== null) {
    const [, d = "0", h = "0", m = "0", s = "0"] = clock;
    return Number(d) * 86_400 + Number(h) * 3_600 + Number(m) * 60 + Number(s);
  }
  throw new Error(`not a duration: ${value}`);
}

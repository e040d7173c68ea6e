/**
 * A small OData `$filter` parser shared by the Graph and AdminService routes. It understands what the product
 * and its tests send: eq/ne/gt/ge/lt/le, and/or/not, `in (…)`, startswith/endswith/contains, parentheses, string literals
 * with `''` escaping (docs/service-facts.md), numbers, booleans and null. Anything else throws FilterSyntaxError, which the
 * routes turn into a 400 — never a crash or a 500.
 */

export type Literal = string | number | boolean | null;

export type FilterNode =
  | { readonly kind: "and" | "or"; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: "not"; readonly operand: FilterNode }
  | { readonly kind: "compare"; readonly op: CompareOp; readonly property: string; readonly value: Literal }
  | { readonly kind: "in"; readonly property: string; readonly values: readonly Literal[] }
  | { readonly kind: "startswith" | "endswith" | "contains"; readonly property: string; readonly value: string };

export type CompareOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";

export class FilterSyntaxError extends Error {}

type Token =
  | { readonly t: "str"; readonly v: string }
  | { readonly t: "num"; readonly v: number }
  | { readonly t: "word"; readonly v: string }
  | { readonly t: "(" | ")" | "," };

const COMPARE_OPS = new Set<string>(["eq", "ne", "gt", "ge", "lt", "le"]);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ t: c });
      i++;
    } else if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new FilterSyntaxError("Unterminated string literal.");
        const d = text[i] as string;
        if (d === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += d;
        i++;
      }
      tokens.push({ t: "str", v: value });
    } else {
      const match = /^[A-Za-z0-9_.\-/:$@]+/.exec(text.slice(i));
      if (!match) throw new FilterSyntaxError(`Unexpected character '${c}' at position ${i}.`);
      const word = match[0];
      i += word.length;
      if (/^-?\d+(\.\d+)?$/.test(word)) tokens.push({ t: "num", v: Number(word) });
      else tokens.push({ t: "word", v: word });
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.parseOr();
    if (this.pos !== this.tokens.length) throw new FilterSyntaxError("Unexpected text after the expression.");
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const token = this.tokens[this.pos++];
    if (!token) throw new FilterSyntaxError("Unexpected end of the filter expression.");
    return token;
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token?.t === "word" && token.v.toLowerCase() === word;
  }

  private expect(type: "(" | ")" | ","): void {
    if (this.next().t !== type) throw new FilterSyntaxError(`Expected '${type}'.`);
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.isWord("or")) {
      this.pos++;
      left = { kind: "or", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseUnary();
    while (this.isWord("and")) {
      this.pos++;
      left = { kind: "and", left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterNode {
    if (this.isWord("not")) {
      this.pos++;
      return { kind: "not", operand: this.parseUnary() };
    }
    if (this.peek()?.t === "(") {
      this.pos++;
      const inner = this.parseOr();
      this.expect(")");
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): FilterNode {
    const first = this.next();
    if (first.t !== "word") throw new FilterSyntaxError("Expected a property name or function.");
    const name = first.v.toLowerCase();
    if ((name === "startswith" || name === "endswith" || name === "contains") && this.peek()?.t === "(") {
      this.pos++;
      const property = this.parseProperty();
      this.expect(",");
      const value = this.parseLiteral();
      this.expect(")");
      if (typeof value !== "string") throw new FilterSyntaxError(`${name} needs a string literal.`);
      // `startswith(x,'y') eq true` is also valid OData.
      if (this.isWord("eq")) {
        this.pos++;
        const flag = this.parseLiteral();
        const node: FilterNode = { kind: name, property, value };
        if (flag === true) return node;
        if (flag === false) return { kind: "not", operand: node };
        throw new FilterSyntaxError("Expected true or false.");
      }
      return { kind: name, property, value };
    }
    if (isKeyword(name)) throw new FilterSyntaxError(`Unexpected '${first.v}'.`);
    const property = first.v;
    const op = this.next();
    if (op.t !== "word") throw new FilterSyntaxError("Expected an operator.");
    const opName = op.v.toLowerCase();
    if (opName === "in") {
      this.expect("(");
      const values: Literal[] = [this.parseLiteral()];
      while (this.peek()?.t === ",") {
        this.pos++;
        values.push(this.parseLiteral());
      }
      this.expect(")");
      return { kind: "in", property, values };
    }
    if (!COMPARE_OPS.has(opName)) throw new FilterSyntaxError(`Unknown operator '${op.v}'.`);
    return { kind: "compare", op: opName as CompareOp, property, value: this.parseLiteral() };
  }

  private parseProperty(): string {
    const token = this.next();
    if (token.t !== "word" || isKeyword(token.v.toLowerCase())) throw new FilterSyntaxError("Expected a property.");
    return token.v;
  }

  private parseLiteral(): Literal {
    const token = this.next();
    if (token.t === "str" || token.t === "num") return token.v;
    if (token.t === "word") {
      const word = token.v.toLowerCase();
      if (word === "true") return true;
      if (word === "false") return false;
      if (word === "null") return null;
      // Bare GUIDs are accepted by OData for Edm.Guid properties (e.g. `id eq 0000…`).
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(token.v)) return token.v;
    }
    throw new FilterSyntaxError("Expected a literal value.");
  }
}

function isKeyword(word: string): boolean {
  return word === "and" || word === "or" || word === "not" || word === "in" || COMPARE_OPS.has(word);
}

export function parseFilter(text: string): FilterNode {
  if (text.trim() === "") throw new FilterSyntaxError("The filter expression is empty.");
  return new Parser(tokenize(text)).parse();
}

/** Reads a property of a record; names compare case-insensitively, as both services do. */
export type PropertyReader = (name: string) => unknown;

function compareValues(actual: unknown, expected: Literal): number | null {
  if (actual === null || actual === undefined || expected === null) return null;
  if (typeof actual === "number" && typeof expected === "number") return actual - expected;
  // A collection or complex value equals no literal, and orders before or after none.
  if (typeof actual !== "string" && typeof actual !== "number" && typeof actual !== "boolean") return null;
  if (typeof actual === "boolean" || typeof expected === "boolean") return String(actual) === String(expected) ? 0 : null;
  const a = String(actual).toLowerCase();
  const b = String(expected).toLowerCase();
  return a === b ? 0 : a < b ? -1 : 1;
}

function equals(actual: unknown, expected: Literal): boolean {
  if (expected === null) return actual === null || actual === undefined;
  return compareValues(actual, expected) === 0;
}

export function evaluate(node: FilterNode, read: PropertyReader): boolean {
  switch (node.kind) {
    case "and":
      return evaluate(node.left, read) && evaluate(node.right, read);
    case "or":
      return evaluate(node.left, read) || evaluate(node.right, read);
    case "not":
      return !evaluate(node.operand, read);
    case "in":
      return node.values.some((v) => equals(read(node.property), v));
    case "startswith":
    case "endswith":
    case "contains": {
      const actual = read(node.property);
      if (typeof actual !== "string") return false;
      const a = actual.toLowerCase();
      const b = node.value.toLowerCase();
      return node.kind === "startswith" ? a.startsWith(b) : node.kind === "endswith" ? a.endsWith(b) : a.includes(b);
    }
    case "compare": {
      const actual = read(node.property);
      if (node.op === "eq") return equals(actual, node.value);
      if (node.op === "ne") return !equals(actual, node.value);
      const order = compareValues(actual, node.value);
      if (order === null) return false;
      if (node.op === "gt") return order > 0;
      if (node.op === "ge") return order >= 0;
      if (node.op === "lt") return order < 0;
      return order <= 0;
    }
  }
}

/** Every property name the expression mentions (routes reject properties their class does not have). */
export function propertiesOf(node: FilterNode): string[] {
  switch (node.kind) {
    case "and":
    case "or":
      return [...propertiesOf(node.left), ...propertiesOf(node.right)];
    case "not":
      return propertiesOf(node.operand);
    default:
      return [node.property];
  }
}

/**
 * When the whole expression is `p eq a or p eq b or p in (c, d)` on one property, the values it asks for
 * (lets routes use an index instead of a scan); otherwise null.
 */
export function equalityValues(node: FilterNode, property: string): Literal[] | null {
  const name = property.toLowerCase();
  switch (node.kind) {
    case "or": {
      const left = equalityValues(node.left, property);
      const right = equalityValues(node.right, property);
      return left && right ? [...left, ...right] : null;
    }
    case "compare":
      return node.op === "eq" && node.property.toLowerCase() === name ? [node.value] : null;
    case "in":
      return node.property.toLowerCase() === name ? [...node.values] : null;
    default:
      return null;
  }
}

/**
 * Number of child clauses under OR operators, as Entra counts them for its 15-clause limit (docs/service-facts.md):
 * each `in` value and each OR-ed comparison is one clause.
 */
export function orClauseCount(node: FilterNode): number {
  switch (node.kind) {
    case "or":
      return orClauseCount(node.left) + orClauseCount(node.right);
    case "in":
      return node.values.length;
    case "and":
      return Math.max(orClauseCount(node.left), orClauseCount(node.right));
    case "not":
      return orClauseCount(node.operand);
    default:
      return 1;
  }
}

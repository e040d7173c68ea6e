/**
 * Evaluates the small Bicep boolean / ternary expressions used here (`a == 'x' && (b == 'y' || …)`,
 * `cond ? 'x' : ''`, `'${a}…'` interpolation) with the given parameter values. A test helper, not a Bicep engine:
 * it throws on anything else, so a change the tests cannot follow fails loudly.
 */
export function evaluate(expression: string, values: Readonly<Record<string, string | boolean>>): string | boolean {
  const code = (text: string) =>
    text.replace(/==/g, "===").replace(/\b[A-Za-z_]\w*(?:\.\w+)*\b/g, (name) => {
      if (name === "true" || name === "false") return name;
      if (name in values) return JSON.stringify(values[name]);
      throw new Error(`no value for ${name} in ${expression}`);
    });
  let js = "";
  let last = 0;
  for (const match of expression.matchAll(/'((?:[^'\\]|\\.)*)'/g)) {
    js += code(expression.slice(last, match.index));
    const body = (match[1] ?? "").replace(/`/g, "\\`").replace(/\$\{([^}]*)\}/g, (_whole, inner: string) => "${" + code(inner) + "}");
    js += "`" + body + "`";
    last = match.index + match[0].length;
  }
  js += code(expression.slice(last));
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluates the test's own translation of a Bicep expression from the repository
  return new Function(`return (${js});`)() as string | boolean;
}

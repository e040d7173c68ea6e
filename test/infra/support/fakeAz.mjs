// A fake `az` (and `azd`) for the infra script tests: the Azure CLI cannot be installed or reach Entra here.
// It answers `az rest` from canned routes, evaluates the small part of JMESPath the scripts use, prints like
// `--output tsv|json|none`, and records every call, all in the JSON state file named by FAKE_AZ_STATE:
//   { "routes": [{ "method": "get", "url": "<exact url>", "response": <json> }], "calls": [] }
// Anything it has no route or no query support for fails loudly, so a script cannot drift unnoticed.
import { readFileSync, writeFileSync } from "node:fs";

const statePath = process.env.FAKE_AZ_STATE;
if (!statePath) fail("FAKE_AZ_STATE is not set");
const state = JSON.parse(readFileSync(statePath, "utf8"));
const [tool, ...args] = process.argv.slice(2);

if (tool === "azd") {
  state.calls.push({ tool, args });
  save();
  process.exit(0);
}
if (args[0] !== "rest") fail(`fake az supports only 'az rest', got: az ${args.join(" ")}`);

const options = parseOptions(args.slice(1));
const method = (options["--method"]?.[0] ?? "get").toLowerCase();
const url = options["--url"]?.[0];
if (!url) fail("az rest without --url");
const rawBody = options["--body"]?.[0];
const bodyText = rawBody?.startsWith("@") ? readFileSync(rawBody.slice(1), "utf8") : rawBody;
state.calls.push({
  tool,
  method,
  url,
  headers: options["--headers"] ?? [],
  body: bodyText === undefined ? null : JSON.parse(bodyText),
  query: options["--query"]?.[0] ?? null,
});
save();

const route = state.routes.find((r) => r.method === method && r.url === url);
if (!route) fail(`fake az has no answer for ${method.toUpperCase()} ${url}`);
const result = options["--query"] ? query(route.response, options["--query"][0]) : route.response;
const output = options["--output"]?.[0] ?? "json";
if (output === "tsv") process.stdout.write(tsv(result));
else if (output === "json") process.stdout.write(`${JSON.stringify(result ?? null, null, 2)}\n`);
else if (output !== "none") fail(`unsupported --output ${output}`);

function parseOptions(list) {
  const parsed = {};
  let current;
  for (const item of list) {
    if (item.startsWith("--")) {
      current = item;
      parsed[current] = [];
    } else if (current) parsed[current].push(item);
    else fail(`unexpected argument ${item}`);
  }
  return parsed;
}

// The JMESPath the scripts use: `name`, and `list[?cond && cond].name` or `.[a, b]`, where a condition is
// `field=='text'` or `contains(field, 'text')`.
function query(value, expression) {
  if (/^\w+$/.test(expression)) return value?.[expression] ?? null;
  const filter = /^(\w+)\[\?(.+?)\]\.(\w+|\[[\w, ]+\])$/.exec(expression);
  if (!filter) fail(`fake az cannot evaluate --query ${expression}`);
  const [, list, conditionText, projection] = filter;
  const tests = conditionText.split("&&").map((text) => condition(text.trim(), expression));
  const picked = (value?.[list] ?? []).filter((item) => tests.every((test) => test(item)));
  if (projection.startsWith("[")) {
    const fields = projection
      .slice(1, -1)
      .split(",")
      .map((f) => f.trim());
    return picked.map((item) => fields.map((f) => item[f] ?? null));
  }
  return picked.map((item) => item[projection] ?? null).filter((v) => v !== null);
}

function condition(text, expression) {
  const equals = /^(\w+)\s*==\s*'([^']*)'$/.exec(text);
  if (equals) return (item) => item[equals[1]] === equals[2];
  const contains = /^contains\((\w+),\s*'([^']*)'\)$/.exec(text);
  if (contains) return (item) => Array.isArray(item[contains[1]]) && item[contains[1]].includes(contains[2]);
  fail(`fake az cannot evaluate condition ${text} in ${expression}`);
}

// Like az: a list prints one element per line, a nested list tab-separated on its line.
function tsv(value) {
  if (value === null || value === undefined) return "";
  if (!Array.isArray(value)) return `${value}\n`;
  return value
    .map((item) => (Array.isArray(item) ? item.join("\t") : String(item)))
    .map((line) => `${line}\n`)
    .join("");
}

function save() {
  writeFileSync(statePath, JSON.stringify(state, null, 2));
}

function fail(message) {
  process.stderr.write(`ERROR: ${message}\n`);
  process.exit(1);
}

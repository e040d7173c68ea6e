import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferIo } from "../../cli/io.js";
import { main } from "../../cli/main.js";
import { isLoopbackHttp } from "../../shared/config/loopback.js";
import { COLLECTION_ID_PATTERN, GUID_PATTERN } from "../../shared/core/ids.js";
import { startEmbeddedAzurite, type EmbeddedAzurite } from "../../shared/storage/embeddedAzurite.js";
import { createTableStores } from "../../shared/storage/tableStores.js";
import { startSimulatedTenant, type SimulatedTenant } from "../../simulator/index.js";
import { apiSeed } from "../api/apiSeed.js";
import { EXISTING, show } from "./support/apiProbe.js";
import { FC_SEED, hostileIdNot, hostileText } from "./support/hostile.js";
import { tallyScenario } from "./support/tally.js";

/**
 * Every CLI command (`main(argv)`) with hostile arguments: exit code 2 and a message on stderr (the input was
 * wrong), never 1 ("a mapping failed") or an unexpected error, and the stored mappings unchanged.
 */
let tenant: SimulatedTenant;
let azurite: EmbeddedAzurite;
let env: Record<string, string>;
let stored: () => Promise<string[]>;
let before: string[];
let tried = 0;

async function cli(argv: readonly string[]) {
  tried += 1;
  const io = bufferIo();
  const code = await main(argv, { io, env });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

async function refused(argv: readonly string[]): Promise<void> {
  const result = await cli(argv);
  const context = `collection-sync ${argv.map(show).join(" ")} → ${result.code}: ${show(result.stderr)}`;
  expect(result.code, context).toBe(2);
  expect(result.stderr, context).toMatch(/^collection-sync: \S/);
  expect(result.stderr, context).not.toMatch(/unexpected error/);
}

beforeAll(async () => {
  tenant = await startSimulatedTenant({ seed: apiSeed() });
  // Its own storage: the CLI has no table prefix, and each command opens the tables afresh.
  azurite = await startEmbeddedAzurite();
  env = { GRAPH_BASE_URL: tenant.graphBaseUrl, ADMINSERVICE_URL: tenant.adminServiceUrl, TABLES_CONNECTION: azurite.connectionString };
  const stores = createTableStores({ connectionString: azurite.connectionString });
  stored = async () => {
    const all: string[] = [];
    for await (const m of stores.mappings.listAll()) all.push(JSON.stringify(m));
    return all.sort();
  };
  expect((await cli(["mappings", "add", "--collection", EXISTING.collectionId, "--group", EXISTING.groupId])).code).toBe(0);
  before = await stored();
});

afterAll(async () => {
  expect(await stored()).toEqual(before);
  expect(tenant.requestLog.filter((e) => e.service === "graph" && e.kind === "write")).toEqual([]);
  tallyScenario("hostile input: CLI", { inputsTried: tried });
  await tenant?.close();
  await azurite?.close();
});

const badCollection = hostileIdNot(COLLECTION_ID_PATTERN);
const badGroup = hostileIdNot(GUID_PATTERN);
/** --collection and --group, at least one hostile. */
const refArgs = fc
  .oneof(
    fc.tuple(badCollection, fc.constant<string>(EXISTING.groupId)),
    fc.tuple(fc.constant<string>(EXISTING.collectionId), badGroup),
    fc.tuple(badCollection, badGroup),
  )
  .map(([c, g]) => ["--collection", c, "--group", g]);
/** Any extra option value, hostile or not: the hostile ids already make the command invalid. */
const anyValue = fc.oneof(hostileText, fc.constantFrom("mirror", "true", "false", "20", "500"));

describe("hostile arguments to every command", () => {
  it("mappings add|remove|approve and runs refuse hostile ids", async () => {
    const command = fc.constantFrom(["mappings", "add"], ["mappings", "remove"], ["mappings", "approve"], ["runs"]);
    const extras = fc.array(fc.tuple(fc.constantFrom("--mode", "--tenant", "--removal-threshold-percent", "--removal-threshold-count"), anyValue), {
      maxLength: 2,
    });
    await fc.assert(
      fc.asyncProperty(command, refArgs, extras, async (words, ref, more) => {
        const options = words[1] === "add" ? more.flatMap(([name, value]) => [name, value]) : [];
        await refused([...words, ...ref, ...options]);
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });

  it("mappings set refuses hostile values for every option on the existing mapping", async () => {
    const option = fc.oneof(
      fc.tuple(
        fc.constant("--mode"),
        hostileText.filter((v) => !["additive", "managed", "mirror"].includes(v)),
      ),
      fc.tuple(
        fc.constantFrom("--enabled", "--include-hybrid-joined"),
        hostileText.filter((v) => v !== "true" && v !== "false"),
      ),
      fc.tuple(
        fc.constantFrom("--removal-threshold-percent", "--removal-threshold-count"),
        hostileText.filter((v) => !/^\d+$/.test(v)),
      ),
      fc.tuple(fc.constantFrom("--removal-threshold-percent"), fc.integer({ min: 101, max: 10 ** 9 }).map(String)),
    );
    await fc.assert(
      fc.asyncProperty(option, async ([name, value]) => {
        await refused(["mappings", "set", "--collection", EXISTING.collectionId, "--group", EXISTING.groupId, name, value]);
      }),
      { seed: FC_SEED, numRuns: 120 },
    );
  });

  it("sync refuses hostile --collection and --group filters before syncing anything", async () => {
    const filter = fc.oneof(fc.tuple(fc.constant("--collection"), badCollection), fc.tuple(fc.constant("--group"), badGroup));
    await fc.assert(
      fc.asyncProperty(filter, fc.boolean(), async ([name, value], dryRun) => {
        await refused(["sync", name, value, ...(dryRun ? ["--dry-run"] : [])]);
      }),
      { seed: FC_SEED, numRuns: 80 },
    );
  });

  it("groups search answers or refuses hostile text, and refuses a hostile --tenant", async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileText.filter((t) => !t.startsWith("-")),
        fc.option(
          badGroup.filter((t) => t.trim() !== ""),
          { nil: undefined },
        ),
        async (text, tenantId) => {
          const argv = ["groups", "search", text, ...(tenantId === undefined ? [] : ["--tenant", tenantId])];
          if (tenantId !== undefined || text.trim() === "") return refused(argv);
          const result = await cli(argv);
          expect([0, 2], `${show(text)} → ${show(result.stderr)}`).toContain(result.code);
        },
      ),
      { seed: FC_SEED, numRuns: 120 },
    );
  });

  it("serve refuses hostile --port and --host without starting", async () => {
    const notLoopback = (host: string) => {
      try {
        return !isLoopbackHttp(new URL(`http://${host.includes(":") ? `[${host}]` : host}`));
      } catch {
        return true;
      }
    };
    const port = hostileText.filter((p) => !(/^\d+$/.test(p.trim()) && Number(p) <= 65535));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.tuple(fc.constant("--port"), port), fc.tuple(fc.constant("--host"), hostileText.filter(notLoopback))),
        async ([name, value]) => {
          await refused(["serve", name, value]);
        },
      ),
      { seed: FC_SEED, numRuns: 80 },
    );
  });

  it("unknown commands, subcommands and options are usage errors", async () => {
    const known = new Set(["help", "--help", "-h", "demo", "serve", "mappings", "groups", "runs", "sync"]);
    const argv = fc.oneof(
      fc
        .tuple(
          hostileText.filter((w) => !known.has(w)),
          fc.array(hostileText, { maxLength: 3 }),
        )
        .map(([head, rest]) => [head, ...rest]),
      fc
        .tuple(
          fc.constantFrom("demo", "sync", "runs"),
          hostileText.filter((w) => !w.startsWith("-")),
        )
        .map((words) => [...words]),
      fc
        .tuple(
          fc.constantFrom("mappings", "groups"),
          hostileText.filter((w) => !["list", "add", "set", "remove", "approve", "search"].includes(w)),
        )
        .map((words) => [...words]),
      fc
        .tuple(
          fc.constantFrom("demo", "serve", "mappings list", "runs", "sync", "groups search x"),
          fc
            .string({ minLength: 1, maxLength: 12 })
            .filter((o) => /^[a-z]/i.test(o) && !["json", "collection", "group", "dry-run", "tenant", "port", "host"].includes(o)),
        )
        .map(([words, option]) => [...words.split(" "), `--${option}`, "x"]),
    );
    await fc.assert(
      fc.asyncProperty(argv, async (words) => {
        await refused(words);
      }),
      { seed: FC_SEED, numRuns: 120 },
    );
  });
});

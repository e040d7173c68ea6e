import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiHarness, type ApiHarness } from "../api/apiHarness.js";
import { USER_COLLECTION, USER_GROUP_ID, guid, scenarioSeed } from "../support/fixtures.js";
import { startSyncHarness } from "../support/syncHarness.js";
import { EXISTING, show } from "./support/apiProbe.js";
import { FC_SEED, hostileText } from "./support/hostile.js";
import { andClauses, filterOf, orClauses, recordOutgoing, searchClauseOf, type Outgoing } from "./support/outgoing.js";
import type { FilterNode } from "../../simulator/odataFilter.js";
import { tallyScenario } from "./support/tally.js";

/**
 * No user input reaches a Graph, AdminService or Table filter unescaped: every request that leaves the process
 * while hostile text is fuzzed in is read back with an independent OData parser, and its filter must be exactly
 * the intended expression with the input as one literal — a literal that broke out would change the tree.
 */
let h: ApiHarness;
let outgoing: Outgoing;
let tried = 0;

beforeAll(async () => {
  h = await startApiHarness();
  expect((await h.call("POST", "/mappings", { body: EXISTING })).status).toBe(201);
  outgoing = recordOutgoing();
});

afterAll(async () => {
  outgoing.stop();
  tallyScenario("hostile input: filters and searches", { inputsTried: tried });
  await h.close();
});

/** Text aimed at the `startswith` fallback (no letter or digit) and at `$search` (quotes around words). */
const searchText = fc.oneof(
  hostileText,
  fc.string({ unit: fc.constantFrom("'", "(", ")", ",", " ", "-", "&", "=", "$", "%", "+", "#", "?", "/", ";", "*", "~", "!"), minLength: 1, maxLength: 30 }),
  fc
    .tuple(fc.constantFrom("O'Brien", "x') or (displayName eq 'y", "a' or 1 eq 1 or 'b", "Intune&$top=999", "''"), fc.string({ maxLength: 6 }))
    .map(([a, b]) => `${a}${b}`),
);

describe("group search text", () => {
  it("reaches Graph only as one escaped $search phrase or one startswith literal", async () => {
    // Half the $search requests are refused, so text with letters reaches the startswith fallback as well.
    const seen = { search: 0, startswith: 0 };
    const refuseSearch = h.tenant.faults.add({ service: "graph", path: /\$search=/, status: 400, rate: 0.5 });
    try {
      await fc.assert(
        fc.asyncProperty(searchText, async (text) => {
          tried += 1;
          outgoing.take();
          const response = await h.call("GET", `/groups?search=${encodeURIComponent(text)}&limit=5`);
          const graph = outgoing.take().filter((url) => url.pathname.endsWith("/v1.0/groups"));
          if (response.status !== 200) {
            expect(graph, `refused ${show(text)} still reached Graph`).toEqual([]);
            return;
          }
          const trimmed = text.trim();
          for (const url of graph) {
            const search = url.searchParams.get("$search");
            seen[search === null ? "startswith" : "search"] += 1;
            if (search !== null) expect(searchClauseOf(search), `${show(text)} → ${search}`).toEqual({ property: "displayName", text: trimmed });
            else expect(filterOf(url), `${show(text)} → ${url.search}`).toEqual({ kind: "startswith", property: "displayName", value: trimmed });
          }
        }),
        { seed: FC_SEED, numRuns: 200 },
      );
    } finally {
      refuseSearch.remove();
    }
    expect(seen.search).toBeGreaterThan(30);
    expect(seen.startswith).toBeGreaterThan(30);
  });
});

const CHANGED_SINCE = / and Timestamp ge datetime'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z'$|^Timestamp ge datetime'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z'$/;

describe("mapping list and lookups", () => {
  it("reach Table Storage only with validated keys, each one literal in an and-chain", async () => {
    let tableFilters = 0;
    const ids = fc.oneof(hostileText, fc.constantFrom("ps100010", "PS100010", "Ps1000fF", "PS100010' or PartitionKey ne '"));
    await fc.assert(
      fc.asyncProperty(ids, fc.constantFrom("list", "get", "runs"), async (id, route) => {
        tried += 1;
        outgoing.take();
        const path =
          route === "list"
            ? `/mappings?collectionId=${encodeURIComponent(id)}`
            : `/mappings/${encodeURIComponent(id)}/${EXISTING.groupId}${route === "runs" ? "/runs" : ""}`;
        const response = await h.call("GET", path);
        expect(response.status, `${path} → ${response.status}`).toBeLessThan(500);
        for (const url of outgoing.take()) {
          // The list's "what changed since" check compares the store's own write time (a datetime literal made
          // from a Date, never from input): taken off whole and exactly, the rest must hold to the rule below.
          const raw = url.searchParams.get("$filter");
          if (raw !== null && CHANGED_SINCE.test(raw)) {
            const rest = raw.replace(CHANGED_SINCE, "");
            if (rest === "") continue;
            url.searchParams.set("$filter", rest);
          }
          const filter = filterOf(url);
          if (filter === null) continue;
          tableFilters += 1;
          for (const clause of andClauses(filter)) {
            expect(clause.kind, `${show(id)} → ${url.search}`).toBe("compare");
            if (clause.kind !== "compare") continue;
            expect(["PartitionKey", "RowKey", "enabled"]).toContain(clause.property);
            if (clause.property === "PartitionKey" && typeof clause.value === "string") {
              expect(clause.value, `${show(id)} → ${url.search}`).toMatch(/^[A-Z0-9]{3}[0-9A-F]{5}(_[0-9a-f-]{36})?$/);
            }
          }
        }
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
    // The list answers from its in-memory index (one full read, then "changed since" checks): fewer queries.
    expect(tableFilters).toBeGreaterThan(10);
  });
});

describe("member data from ConfigMgr", () => {
  it("user principal names with quotes, commas and parentheses resolve as literals in Graph and AdminService filters", async () => {
    let userFilters = 0;
    const upnPart = fc.oneof(
      fc.constantFrom("o'brien", "x') or (userPrincipalName eq 'admin", "a,b", "q''", "paren(1)", "amp&$top=1", "%27", "space x", "#hash", "back\\slash"),
      fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 20 }).filter((s) => !/[@\s]/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(upnPart, { minLength: 1, maxLength: 6, selector: (s) => s.toLowerCase() }), async (parts) => {
        tried += 1;
        const users = parts.map((part, n) => {
          const upn = `${part}@contoso.com`;
          return {
            cmUser: { ResourceId: 2_063_000 + n, Name: `CONTOSO\\u${n}`, UserPrincipalName: upn, AADUserID: `${part}-not-a-guid` },
            user: { id: guid(5, n), userPrincipalName: upn, displayName: `User ${n}` },
            objectId: guid(5, n),
          };
        });
        const harness = await startSyncHarness({ seed: scenarioSeed({ users }) });
        try {
          await harness.addMapping({ collectionId: USER_COLLECTION, groupId: USER_GROUP_ID, memberType: "user" });
          outgoing.take();
          const run = await harness.sync({ collectionId: USER_COLLECTION, groupId: USER_GROUP_ID });
          expect(run.status, run.message).toBe("succeeded");
          expect(new Set(harness.tenant.groupMemberIds(USER_GROUP_ID))).toEqual(new Set(users.map((u) => u.objectId)));
          const upns = new Set(users.map((u) => u.user.userPrincipalName.toLowerCase()));
          for (const url of outgoing.take()) {
            const filter = filterOf(url);
            if (filter === null) continue;
            if (url.pathname.endsWith("/v1.0/users")) {
              userFilters += 1;
              expect(filter.kind === "in" && filter.property === "userPrincipalName", url.search).toBe(true);
              if (filter.kind === "in") for (const value of filter.values) expect(upns.has(String(value)), String(value)).toBe(true);
            } else if (url.pathname.includes("/AdminService/")) {
              const clauses = orClauses(filter);
              const resourceBound = (c: FilterNode, op: string) =>
                c.kind === "compare" && c.op === op && c.property === "ResourceID" && typeof c.value === "number";
              const ok = clauses.every(
                (c) =>
                  (c.kind === "compare" && c.op === "eq" && (resourceBound(c, "eq") || (c.property === "CollectionID" && c.value === USER_COLLECTION))) ||
                  (c.kind === "and" && resourceBound(c.left, "ge") && resourceBound(c.right, "le")),
              );
              expect(ok, url.search).toBe(true);
            }
          }
        } finally {
          await harness.close();
        }
      }),
      { seed: FC_SEED, numRuns: 15 },
    );
    expect(userFilters).toBeGreaterThanOrEqual(15);
  });
});

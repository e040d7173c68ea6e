import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ApiRequest } from "../../shared/api/apiMessages.js";
import { COLLECTION_ID_PATTERN, GUID_PATTERN } from "../../shared/core/ids.js";
import { startApiHarness } from "../api/apiHarness.js";
import { clientPrincipal } from "../api/principals.js";
import { EXISTING, expectProblem, hostileApiSuite, rawRequest, show } from "./support/apiProbe.js";
import { FC_SEED, hostileIdNot, hostileNumberText, hostileText } from "./support/hostile.js";

/**
 * Every route of the API core (`createMappingsApi(deps).handle`) against hostile ids, query values and headers:
 * always a 4xx problem document, never a 5xx, and nothing stored, queued or written to Graph.
 */
const suite = hostileApiSuite("hostile input: API routes (core)");
const handle = (request: ApiRequest) => {
  suite.tried();
  return suite.h().api.handle(request);
};

const ROUTES_ON_A_MAPPING = [
  ["GET", ""],
  ["PATCH", ""],
  ["DELETE", ""],
  ["GET", "/runs"],
  ["GET", "/preview"],
  ["POST", "/sync"],
  ["POST", "/approve"],
] as const;

const badCollection = hostileIdNot(COLLECTION_ID_PATTERN);
const badGroup = hostileIdNot(GUID_PATTERN);
/** A pair of ids of which at least one is hostile (the other may be the existing mapping's). */
const idPair = fc.oneof(fc.tuple(badCollection, fc.oneof(badGroup, fc.constant(EXISTING.groupId))), fc.tuple(fc.constant(EXISTING.collectionId), badGroup));

describe("hostile ids in the path", () => {
  it("every mapping route answers a 4xx problem, whether the ids arrive percent-encoded or raw", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES_ON_A_MAPPING), idPair, fc.boolean(), async ([method, suffix], [collectionId, groupId], encode) => {
        const segment = (value: string) => (encode ? encodeURIComponent(value) : value);
        const path = `/mappings/${segment(collectionId)}/${segment(groupId)}${suffix}`;
        const body = method === "PATCH" ? JSON.stringify({ enabled: false }) : null;
        const response = await handle(rawRequest(method, path, { headers: { "content-type": "application/json" }, body }));
        expectProblem(response, `${method} ${show(path)}`);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});

describe("hostile query values", () => {
  const queries: Array<[string, string, fc.Arbitrary<string>]> = [
    ["/mappings", "pageSize", hostileNumberText],
    ["/mappings", "continuationToken", hostileText.filter((t) => t !== "")],
    ["/mappings", "collectionId", badCollection.filter((t) => t !== "")],
    [`/mappings/${EXISTING.collectionId}/${EXISTING.groupId}/runs`, "pageSize", hostileNumberText],
    [`/mappings/${EXISTING.collectionId}/${EXISTING.groupId}/runs`, "continuationToken", hostileText.filter((t) => t !== "")],
    [`/mappings/${EXISTING.collectionId}/${EXISTING.groupId}/preview`, "limit", hostileNumberText],
    ["/groups", "tenantId", badGroup.filter((t) => t !== "")],
    ["/groups", "memberType", hostileText.filter((t) => t !== "" && t !== "device" && t !== "user")],
    ["/groups", "limit", hostileNumberText],
  ];

  it.each(queries.map(([path, name, values]) => ({ path, name, values })))("$path?$name=… is refused with a 4xx problem", async ({ path, name, values }) => {
    await fc.assert(
      fc.asyncProperty(values, async (value) => {
        const query = new URLSearchParams(path === "/groups" ? { search: "Intune" } : {});
        query.set(name, value);
        const response = await handle(rawRequest("GET", path, { query: query.toString() }));
        expectProblem(response, `${path}?${name}=${show(value)}`);
      }),
      { seed: FC_SEED, numRuns: 60 },
    );
  });

  it("a parameter given twice is refused", async () => {
    for (const [path, query] of [
      ["/mappings", "pageSize=5&pageSize=6"],
      ["/groups", "search=Intune&search=Pilot"],
      [`/mappings/${EXISTING.collectionId}/${EXISTING.groupId}/preview`, "limit=1&limit=2"],
    ] as const) {
      expectProblem(await handle(rawRequest("GET", path, { query })), `${path}?${query}`);
    }
  });

  it("group search text never yields a 5xx: refused when it cannot be searched safely, else answered", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (text) => {
        const response = await handle(rawRequest("GET", "/groups", { query: new URLSearchParams({ search: text, limit: "5" }).toString() }));
        if (response.status === 200) expect((response.jsonBody as { items: unknown[] }).items).toBeInstanceOf(Array);
        else expectProblem(response, `search=${show(text)}`);
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });
});

describe("health", () => {
  it("ignores hostile query text and headers: the probe answers as usual", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(hostileText, hostileText, { maxKeys: 3 }),
        fc.dictionary(fc.stringMatching(/^x-[a-z-]{1,20}$/), hostileText, { maxKeys: 3 }),
        async (query, headers) => {
          const response = await handle(rawRequest("GET", "/health", { query: new URLSearchParams(query).toString(), headers }));
          expect(response.status).toBe(200);
        },
      ),
      { seed: FC_SEED, numRuns: 40 },
    );
  });
});

describe("hostile headers and methods", () => {
  it("a hostile If-Match on PATCH and DELETE is refused (400 or 412) and changes nothing", async () => {
    const path = `/mappings/${EXISTING.collectionId}/${EXISTING.groupId}`;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("PATCH", "DELETE"),
        hostileText.filter((t) => t.trim() !== "*"),
        async (method, ifMatch) => {
          const headers = { "content-type": "application/json", "if-match": ifMatch };
          const response = await handle(rawRequest(method, path, { headers, body: method === "PATCH" ? '{"mode":"mirror"}' : null }));
          expectProblem(response, `${method} If-Match ${show(ifMatch)}`);
        },
      ),
      { seed: FC_SEED, numRuns: 120 },
    );
  });

  it("a hostile Content-Type is refused before the body is read", async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileText.filter((t) => !/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(t.trim())),
        async (contentType) => {
          const response = await handle(rawRequest("POST", "/mappings", { headers: { "content-type": contentType }, body: JSON.stringify(EXISTING) }));
          expectProblem(response, `content-type ${show(contentType)}`);
        },
      ),
      { seed: FC_SEED, numRuns: 100 },
    );
  });

  it("an unknown method or path is a 404/405 problem", async () => {
    const methods = fc.constantFrom("PUT", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "get ", "DELETE\r\n", "");
    const paths = fc.oneof(
      fc.constantFrom("/", "", "/mappings/", "/health/x", "/../api/mappings", "//mappings"),
      hostileText.map((t) => `/${t}`),
    );
    await fc.assert(
      fc.asyncProperty(methods, paths, async (method, path) => {
        const response = await handle(rawRequest(method, path));
        expectProblem(response, `${show(method)} ${show(path)}`);
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });

  it("behind Easy Auth, a forged or garbled principal header is a 401/403, never a 5xx", async () => {
    const guarded = await startApiHarness({ auth: { mode: "easyauth", platformAuthEnabled: true } });
    try {
      const forged = fc.oneof(
        hostileText,
        hostileText.map((t) => Buffer.from(t).toString("base64")),
        fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v)).toString("base64")),
        fc.constantFrom(clientPrincipal("", []), clientPrincipal("x", ["Mappings.ReadWriteAll", "Admin"]), "x".repeat(40_000)),
      );
      await fc.assert(
        fc.asyncProperty(
          forged,
          fc.constantFrom(["GET", "/mappings"], ["POST", "/mappings"], ["DELETE", `/mappings/${EXISTING.collectionId}/${EXISTING.groupId}`]),
          async (principal, [method, path]) => {
            suite.tried();
            const response = await guarded.api.handle(
              rawRequest(method, path, { headers: { "x-ms-client-principal": principal, "content-type": "application/json" }, body: JSON.stringify(EXISTING) }),
            );
            expectProblem(response, `principal ${show(principal)}`);
            expect([401, 403]).toContain(response.status);
          },
        ),
        { seed: FC_SEED, numRuns: 150 },
      );
      expect(await guarded.storedMappings()).toEqual([]);
    } finally {
      await guarded.close();
    }
  });
});

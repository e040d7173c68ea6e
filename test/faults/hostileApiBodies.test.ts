import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../shared/api/requestInput.js";
import { GROUPS } from "../api/apiSeed.js";
import { EXISTING, expectProblem, hostileApiSuite, rawRequest, show } from "./support/apiProbe.js";
import { corrupted, FC_SEED, hostileText, wrongMappingFields } from "./support/hostile.js";

/**
 * Request bodies for POST /mappings and PATCH /mappings/{c}/{g}: unknown, missing and wrongly typed fields,
 * things that are not JSON objects, and bodies over the size limit. Always a 4xx problem, never a 5xx, nothing stored.
 */
const suite = hostileApiSuite("hostile input: API bodies (core)");
const mappingPath = `/mappings/${EXISTING.collectionId}/${EXISTING.groupId}`;
const json = { "content-type": "application/json" };

/** Sends `body` (text or a stream) and checks the refusal; returns the status. */
async function refused(method: string, path: string, body: string | AsyncIterable<Uint8Array>, headers: Record<string, string> = json): Promise<number> {
  suite.tried();
  const response = await suite.h().api.handle(rawRequest(method, path, { headers, body }));
  expectProblem(response, `${method} ${path} ${typeof body === "string" ? show(body) : "(stream)"}`);
  return response.status;
}

describe("bodies with unknown, missing or wrongly typed fields", () => {
  // A valid create body for a mapping that does not exist yet: any one corruption must make it a refusal.
  const validCreate = { collectionId: EXISTING.collectionId, groupId: GROUPS.assigned2, mode: "managed", enabled: true };

  it("POST /mappings refuses every corrupted body", async () => {
    await fc.assert(
      fc.asyncProperty(corrupted(validCreate, ["collectionId", "groupId"], wrongMappingFields), async (body) => {
        const status = await refused("POST", "/mappings", JSON.stringify(body));
        expect([400, 413]).toContain(status);
      }),
      { seed: FC_SEED, numRuns: 250 },
    );
  });

  it("PATCH refuses every corrupted change, including attempts to change ids or server-owned fields", async () => {
    const { collectionId: _c, groupId: _g, tenantId: _t, ...changeable } = wrongMappingFields;
    const immutable = {
      collectionId: fc.constant("PS100020"),
      groupId: fc.constant(GROUPS.assigned2),
      etag: fc.constant("*"),
      createdBy: fc.constant("mallory"),
      tenantId: fc.constant(null),
    };
    await fc.assert(
      fc.asyncProperty(corrupted({ enabled: false }, [], { ...changeable, ...immutable }), async (body) => {
        const status = await refused("PATCH", mappingPath, JSON.stringify(body));
        expect([400, 413]).toContain(status);
      }),
      { seed: FC_SEED, numRuns: 250 },
    );
  });

  it("bodies that are not a JSON object (text, arrays, numbers, null, nested junk) are refused on both", async () => {
    const notAnObject = fc.oneof(
      hostileText,
      fc
        .jsonValue({ maxDepth: 5 })
        .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
        .map((v) => JSON.stringify(v)),
      fc.constantFrom(
        "{",
        "{}}",
        '{"a":1,}',
        "{'collectionId':'PS100010'}",
        "\u0000{}",
        "\uFEFF{}",
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{}}}',
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(["POST", "/mappings"], ["PATCH", mappingPath]), notAnObject, async ([method, path], text) => {
        await refused(method, path, text);
      }),
      { seed: FC_SEED, numRuns: 200 },
    );
  });

  it("deeply nested and very wide JSON is refused without a crash", async () => {
    const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
    const deepObject = `${'{"a":'.repeat(3_000)}1${"}".repeat(3_000)}`;
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`f${i}`, i])));
    for (const text of [deep, deepObject, wide]) await refused("POST", "/mappings", text);
  });
});

describe("bodies over the limit", () => {
  const sizes = fc.integer({ min: MAX_BODY_BYTES + 1, max: 4 * MAX_BODY_BYTES });

  it("a string body over 64 KiB is 413 payload-too-large", async () => {
    await fc.assert(
      fc.asyncProperty(sizes, fc.constantFrom(["POST", "/mappings"], ["PATCH", mappingPath]), async (size, [method, path]) => {
        const padding = "x".repeat(size);
        expect(await refused(method, path, JSON.stringify({ ...EXISTING, padding }))).toBe(413);
      }),
      { seed: FC_SEED, numRuns: 20 },
    );
  });

  it("a streamed body is cut off at the limit, with or without a (truthful or lying) Content-Length", async () => {
    await fc.assert(
      fc.asyncProperty(
        sizes,
        fc.integer({ min: 1, max: 16 * 1024 }),
        fc.constantFrom<"none" | "true" | "lie">("none", "true", "lie"),
        async (size, chunk, declared) => {
          let served = 0;
          async function* stream(): AsyncIterable<Uint8Array> {
            while (served < size) {
              const n = Math.min(chunk, size - served);
              served += n;
              yield Buffer.alloc(n, 0x61);
            }
          }
          const length: Record<string, string> = declared === "none" ? {} : { "content-length": String(declared === "true" ? size : 10) };
          expect(await refused("POST", "/mappings", stream(), { ...json, ...length })).toBe(413);
          // Never read (much) past the limit: the rest of an attacker's gigabyte stays on the wire.
          expect(served).toBeLessThanOrEqual(MAX_BODY_BYTES + chunk);
        },
      ),
      { seed: FC_SEED, numRuns: 30 },
    );
  });
});

import fc from "fast-check";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEM_CONTENT_TYPE } from "../../shared/api/problems.js";
import { COLLECTION_ID_PATTERN, GUID_PATTERN } from "../../shared/core/ids.js";
import { apiSeed } from "../api/apiSeed.js";
import { EXISTING, show } from "./support/apiProbe.js";
import { FC_SEED, hostileIdNot, hostileNumberText } from "./support/hostile.js";
import { serveOn, type ServedTenant } from "./support/serveOn.js";
import { tallyScenario } from "./support/tally.js";

/** The same refusals through `collection-sync serve` over real sockets: what arrives is what a client sent. */
let served: ServedTenant;
let port: number;
let stored: string;
let tried = 0;

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** node:http sends the path as given (fetch would resolve `..` and re-encode it first). */
function send(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | (() => AsyncIterable<Buffer>) } = {},
): Promise<Answer> {
  tried += 1;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: "127.0.0.1", port, method, path, headers: options.headers ?? {} }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    // A server that answers before the whole body is sent may close the socket under us: the answer still counts.
    req.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error)));
    req.on("close", () => (answered ? undefined : reject(new Error(`${method} ${path.slice(0, 80)}: connection closed without an answer`))));
    const body = options.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else
      void (async () => {
        for await (const chunk of body()) if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
        req.end();
      })().catch(() => undefined);
  });
}

function expectProblem(answer: Answer, context: string): void {
  expect(answer.status, context).toBeGreaterThanOrEqual(400);
  expect(answer.status, context).toBeLessThan(500);
  expect(answer.contentType, context).toBe(PROBLEM_CONTENT_TYPE);
  expect(JSON.parse(answer.body).status, context).toBe(answer.status);
}

beforeAll(async () => {
  served = await serveOn(apiSeed());
  port = Number(new URL(served.serve.url).port);
  const created = await send("POST", "/api/mappings", { headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify(EXISTING)) });
  expect(created.status).toBe(201);
  stored = (await send("GET", "/api/mappings")).body;
});

afterAll(async () => {
  expect((await send("GET", "/api/mappings")).body).toBe(stored);
  tallyScenario("hostile input: real HTTP", { inputsTried: tried });
  await served?.close();
});

describe("hostile input over real HTTP", () => {
  it("hostile ids in the URL get a 4xx problem document on every mapping route", async () => {
    const pair = fc.oneof(
      fc.tuple(hostileIdNot(COLLECTION_ID_PATTERN), fc.constant(EXISTING.groupId)),
      fc.tuple(fc.constant(EXISTING.collectionId), hostileIdNot(GUID_PATTERN)),
    );
    const routes = fc.constantFrom(["GET", ""], ["DELETE", ""], ["GET", "/runs"], ["GET", "/preview"], ["POST", "/sync"], ["POST", "/approve"]);
    await fc.assert(
      fc.asyncProperty(routes, pair, async ([method, suffix], [c, g]) => {
        const path = `/api/mappings/${encodeURIComponent(c)}/${encodeURIComponent(g)}${suffix}`;
        expectProblem(await send(method, path), `${method} ${show(path)}`);
      }),
      { seed: FC_SEED, numRuns: 80 },
    );
  });

  it("path traversal and paths outside /api are 404 problems", async () => {
    for (const path of [
      "/api/mappings/../../etc/passwd",
      "/api/../api/mappings/x/y",
      "/api/mappings/%2e%2e/%2e%2e",
      "/etc/passwd",
      "/api%2fmappings",
      "/api/mappings/PS100010/..%2f..%2f",
    ]) {
      expectProblem(await send("GET", path), path);
    }
    // Empty segments collapse (`/api//mappings` lists mappings): lenient, and it only ever reads.
    expect((await send("GET", "/api//mappings")).status).toBe(200);
  });

  it("huge page sizes and limits are refused", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          "/api/mappings?pageSize=",
          `/api/mappings/${EXISTING.collectionId}/${EXISTING.groupId}/preview?limit=`,
          "/api/groups?search=Intune&limit=",
        ),
        hostileNumberText,
        async (prefix, value) => {
          expectProblem(await send("GET", `${prefix}${encodeURIComponent(value)}`), `${prefix}${show(value)}`);
        },
      ),
      { seed: FC_SEED, numRuns: 60 },
    );
  });

  it("a body over the limit is refused with 413, declared or streamed, without reading it all", async () => {
    const json = { "content-type": "application/json" };
    const declared = await send("POST", "/api/mappings", { headers: { ...json, "content-length": String(1024 ** 3) }, body: Buffer.alloc(0) });
    expectProblem(declared, "1 GiB declared");
    expect(declared.status).toBe(413);
    const streamed = await send("POST", "/api/mappings", {
      headers: { ...json, "transfer-encoding": "chunked" },
      body: async function* () {
        for (let i = 0; i < 64; i += 1) {
          yield Buffer.alloc(16 * 1024, 0x20);
        }
      },
    });
    expectProblem(streamed, "1 MiB streamed");
    expect(streamed.status).toBe(413);
  });

  it("broken JSON, wrong media types and oversized headers are 4xx, never 5xx", async () => {
    const post = (body: string, type: string) => send("POST", "/api/mappings", { headers: { "content-type": type }, body: Buffer.from(body) });
    expectProblem(await post('{"collectionId":', "application/json"), "truncated JSON");
    expectProblem(await post("collectionId=PS100010", "application/x-www-form-urlencoded"), "form body");
    expectProblem(await post("\u0000\u0001\u0002", "application/json"), "binary body");
    expectProblem(await post(JSON.stringify(EXISTING), "text/plain"), "text/plain");
    // Refused by Node's parser before the API sees it; still a problem document (431 headers-too-large).
    const bigHeader = await send("GET", "/api/mappings", { headers: { "x-padding": "x".repeat(64 * 1024) } });
    expectProblem(bigHeader, "64 KiB header");
    expect(bigHeader.status).toBe(431);
  });
});

import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createNodeHttpListener } from "../../shared/api/nodeHttp.js";
import { harnessPerTest, type ApiHarness } from "./apiHarness.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";

const API_KEY = "0123456789abcdef-local-key";
const KEY = { "x-api-key": API_KEY };
const start = harnessPerTest({ auth: { mode: "key", apiKey: API_KEY } });

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(): Promise<{ base: string; harness: ApiHarness }> {
  const harness = await start();
  const listening = createServer(createNodeHttpListener(harness.api));
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`, harness };
}

/** Sends headers and only the first part of a body, then waits for the server's answer. */
function sendPartial(base: string, headers: Record<string, string>, firstPart: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/api/mappings`, { method: "POST", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.write(firstPart);
  });
}

describe("the node:http listener (collection-sync serve)", () => {
  it("serves the API under /api with JSON in and out", async () => {
    const { base } = await serve();
    const created = await fetch(`${base}/api/mappings`, {
      method: "POST",
      headers: { ...KEY, "content-type": "application/json" },
      body: JSON.stringify({ collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("etag")).toBeTruthy();
    const listed = await fetch(`${base}/api/mappings?pageSize=5`, { headers: KEY });
    expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it("refuses a declared oversized body with 413 before reading it", async () => {
    const { base, harness } = await serve();
    const answer = await sendPartial(base, { ...KEY, "content-type": "application/json", "content-length": String(10 * 1024 * 1024) }, "{");
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).type).toBe("https://collection-sync.dev/problems/payload-too-large");
    expect(await harness.storedMappings()).toEqual([]);
  });

  it("stops reading a chunked body at 64 KiB and answers 413", async () => {
    const { base, harness } = await serve();
    const headers = { ...KEY, "content-type": "application/json", "transfer-encoding": "chunked" };
    // 80 KiB sent, the rest never: the server must answer without waiting for the end.
    const answer = await sendPartial(base, headers, `{"padding":"${"x".repeat(80 * 1024)}`);
    expect(answer.status).toBe(413);
    expect(await harness.storedMappings()).toEqual([]);
  });

  it("answers 404 problem outside /api and 401 without the key", async () => {
    const { base } = await serve();
    const outside = await fetch(`${base}/admin`, { headers: KEY });
    expect(outside.status).toBe(404);
    expect(outside.headers.get("content-type")).toBe("application/problem+json");
    expect((await fetch(`${base}/api/mappings`)).status).toBe(401);
  });
});

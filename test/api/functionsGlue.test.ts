import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync } from "node:zlib";
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import { makeMappingsApiFunction } from "../../functions/mappingsApi.js";
import { loadConsoleFiles } from "../../shared/console/consoleFiles.js";
import { harnessPerTest, type ApiHarness } from "./apiHarness.js";
import { COLLECTIONS, GROUPS } from "./apiSeed.js";
import { READER, WRITER } from "./principals.js";

// In ESM the classes are reachable only through the default export (docs/service-facts.md "Node toolchain").
const { HttpRequest, InvocationContext } = functions;

const start = harnessPerTest({ auth: { mode: "easyauth", platformAuthEnabled: true } });

const pilot = { collectionId: COLLECTIONS.devices, groupId: GROUPS.assigned };

function request(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
  const url = new URL(`https://collection-sync.azurewebsites.net/api/${path}`);
  return new HttpRequest({
    method,
    url: url.toString(),
    headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    query: Object.fromEntries(url.searchParams),
    params: { path: url.pathname.replace(/^\//, "") },
    ...(init.body === undefined ? {} : { body: { string: init.body } }),
  });
}

async function invoke(h: ApiHarness, req: InstanceType<typeof HttpRequest>) {
  const handler = makeMappingsApiFunction(async () => h.deps);
  const response = await handler(req, new InvocationContext({ functionName: "mappingsApi" }));
  const headers = new Headers(response.headers);
  return { status: response.status, headers, json: typeof response.body === "string" ? JSON.parse(response.body) : undefined };
}

describe("the Functions HTTP trigger (mappingsApi)", () => {
  it("creates and reads a mapping through HttpRequest, with the Easy Auth principal", async () => {
    const h = await start();
    const created = await invoke(h, request("POST", "mappings", { headers: WRITER, body: JSON.stringify(pilot) }));
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/api/mappings/${pilot.collectionId}/${pilot.groupId}`);
    expect(created.json.createdBy).toBe("writer@contoso.com");

    const listed = await invoke(h, request("GET", "mappings?pageSize=10", { headers: READER }));
    expect(listed.status).toBe(200);
    expect(listed.headers.get("content-type")).toMatch(/^application\/json/);
    expect(listed.json.items).toHaveLength(1);
  });

  it("answers 401 without a principal and 403 for a reader's write", async () => {
    const h = await start();
    const anonymous = await invoke(h, request("GET", "mappings"));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toBe("application/problem+json");
    const reader = await invoke(h, request("POST", "mappings", { headers: READER, body: JSON.stringify(pilot) }));
    expect(reader.status).toBe(403);
    expect(await h.storedMappings()).toEqual([]);
  });

  it("refuses a signed-in writer's browser posting from another site (403), and accepts the app's own console", async () => {
    const h = await start();
    const host = "collection-sync.azurewebsites.net";
    const forged = await invoke(
      h,
      request("POST", "mappings", {
        headers: { ...WRITER, host, origin: "https://attacker.example", "sec-fetch-site": "cross-site" },
        body: JSON.stringify(pilot),
      }),
    );
    expect(forged.status).toBe(403);
    expect(forged.json.type).toMatch(/cross-site-request$/);
    expect(await h.storedMappings()).toEqual([]);
    const own = await invoke(
      h,
      request("POST", "mappings", { headers: { ...WRITER, host, origin: `https://${host}`, "sec-fetch-site": "same-origin" }, body: JSON.stringify(pilot) }),
    );
    expect(own.status).toBe(201);
  });

  it("refuses a 100 KiB body with 413 and stores nothing", async () => {
    const h = await start();
    const body = JSON.stringify({ ...pilot, padding: "x".repeat(100 * 1024) });
    const answer = await invoke(h, request("POST", "mappings", { headers: WRITER, body }));
    expect(answer.status).toBe(413);
    expect(answer.json.type).toBe("https://collection-sync.dev/problems/payload-too-large");
    expect(await h.storedMappings()).toEqual([]);
  });

  it("enqueues one job for sync-now and answers 202", async () => {
    const h = await start();
    await invoke(h, request("POST", "mappings", { headers: WRITER, body: JSON.stringify(pilot) }));
    const answer = await invoke(h, request("POST", `mappings/${pilot.collectionId}/${pilot.groupId}/sync`, { headers: WRITER }));
    expect(answer.status).toBe(202);
    expect(h.queue.sent.map((job) => job.jobId)).toEqual([answer.json.jobId]);
  });

  it("refuses an injection string in the route with a 400 problem", async () => {
    const h = await start();
    const answer = await invoke(h, request("GET", `mappings/${encodeURIComponent("x' or 1 eq 1")}/${GROUPS.assigned}`, { headers: READER }));
    expect(answer.status).toBe(400);
    expect(answer.json.errors[0]).toMatchObject({ in: "path", name: "collectionId" });
  });
});

describe("the Functions HTTP trigger outside /api", () => {
  it("hands every other path to the console's files, never to the API", async () => {
    const h = await start();
    const answers: string[] = [];
    const handler = makeMappingsApiFunction(async () => h.deps, {
      answer: (method, path) => (answers.push(`${method} ${path}`), { status: 200, headers: {}, textBody: "page" }),
    });
    const page = await handler(
      new HttpRequest({ method: "GET", url: "https://collection-sync.azurewebsites.net/", params: { path: "" } }),
      new InvocationContext({ functionName: "mappingsApi" }),
    );
    expect(page.body).toBe("page");
    const asset = await handler(
      new HttpRequest({ method: "GET", url: "https://collection-sync.azurewebsites.net/assets/x/main.js", params: { path: "assets/x/main.js" } }),
      new InvocationContext({ functionName: "mappingsApi" }),
    );
    expect(asset.status).toBe(200);
    expect(answers).toEqual(["GET /", "GET /assets/x/main.js"]);
  });

  it("passes the browser's Accept-Encoding on, so the console's files leave the Functions host compressed", async () => {
    const h = await start();
    const dir = mkdtempSync(join(tmpdir(), "console-glue-"));
    const script = `export const text = ${JSON.stringify("collection-sync ".repeat(100))};`;
    mkdirSync(join(dir, "assets", "b1"), { recursive: true });
    writeFileSync(join(dir, "index.html"), "<!doctype html>");
    writeFileSync(join(dir, "assets", "b1", "main.js"), script);
    writeFileSync(join(dir, "assets", "b1", "main.js.br"), brotliCompressSync(script));
    const handler = makeMappingsApiFunction(async () => h.deps, loadConsoleFiles(dir));
    const asset = await handler(
      new HttpRequest({
        method: "GET",
        url: "https://collection-sync.azurewebsites.net/assets/b1/main.js",
        params: { path: "assets/b1/main.js" },
        headers: { "accept-encoding": "gzip, br" },
      }),
      new InvocationContext({ functionName: "mappingsApi" }),
    );
    const headers = new Headers(asset.headers);
    expect(headers.get("content-encoding")).toBe("br");
    expect(headers.get("vary")).toBe("Accept-Encoding");
    expect(brotliDecompressSync(asset.body as Uint8Array).toString("utf8")).toBe(script);
  });
});

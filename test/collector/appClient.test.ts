import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { apiKeyAuth, AppRequestError, createAppClient } from "../../shared/collector/appClient.js";

interface Seen {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** A real HTTP server on loopback that answers every request with `answer`, recording what it was sent. */
async function serverAnswering(answer: (path: string) => { status: number; headers?: Record<string, string>; body?: unknown }) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers });
    const reply = answer(req.url ?? "");
    res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
    res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const MAPPED = { sourceMode: "pushed", items: [] };

describe("the collector's client for the app", () => {
  it("refuses a redirect with a message naming it, and never sends its key to the other origin", async () => {
    const elsewhere = await serverAnswering(() => ({ status: 200, body: MAPPED }));
    const app = await serverAnswering((path) => ({ status: 302, headers: { location: `${elsewhere.url}${path}` } }));
    const client = createAppClient({ baseUrl: app.url, auth: apiKeyAuth("collector-secret"), retries: 3, minBackoffMs: 1, maxBackoffMs: 2 });

    const error = await client.mapped().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AppRequestError);
    expect((error as AppRequestError).message).toMatch(
      /redirect to http:\/\/127\.0\.0\.1:\d+\/api\/collections\/mapped; the collector does not follow redirects/,
    );
    expect((error as AppRequestError).message).toContain("COLLECTOR_APP_URL");
    expect(app.seen).toHaveLength(1); // a refusal, not retried
    expect(elsewhere.seen).toEqual([]);
  });

  it.each(["", "/", "/api", "/api/", "/API"])("finds the API whether the app URL ends in %j", async (suffix) => {
    const app = await serverAnswering((path) => (path === "/api/collections/mapped" ? { status: 200, body: MAPPED } : { status: 404 }));
    const client = createAppClient({ baseUrl: `${app.url}${suffix}`, auth: apiKeyAuth("k"), retries: 0 });
    await expect(client.mapped()).resolves.toMatchObject({ sourceMode: "pushed" });
  });
});

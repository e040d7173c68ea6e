import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeReply {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** Sent as JSON unless it is a string. */
  readonly body?: unknown;
}

export interface SeenRequest {
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
}

/**
 * A tiny AdminService stand-in over real HTTP, for edges the simulated tenant does not script: a server without
 * paging, nextLinks naming another host, odd bodies. Each test answers requests with its own `reply`.
 */
export async function startFakeAdminService(reply: (url: URL, index: number) => FakeReply) {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    seen.push({ url, headers: req.headers });
    const answer = reply(url, seen.length - 1);
    const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {});
    res.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/AdminService`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Rows `first..last` of a membership answer. */
export function membershipRows(first: number, last: number): { ResourceID: number; ResourceType: number; Name: string }[] {
  return Array.from({ length: last - first + 1 }, (_, i) => ({ ResourceID: first + i, ResourceType: 5, Name: `PC-${first + i}` }));
}

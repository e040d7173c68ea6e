import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the receiver answers the next POSTs: a real node:http server on loopback, started by the test. */
export type ReceiverBehaviour =
  | { readonly answer: "ok"; readonly status?: number }
  | { readonly answer: "fail"; readonly status: number; readonly body?: string }
  | { readonly answer: "hang" }
  /** Answers `status` with a body that never ends (until the poster hangs up). */
  | { readonly answer: "flood"; readonly status: number }
  | { readonly answer: "throttle"; readonly retryAfter: string };

export interface ReceivedPost {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

export interface LocalReceiver {
  /** `http://127.0.0.1:<port>`; append a path per receiver (`/teams`, `/slack`…). */
  readonly url: string;
  /** POSTs answered with 2xx, in arrival order. */
  readonly delivered: ReceivedPost[];
  /** Every POST that arrived, whatever the answer. */
  readonly requests: ReceivedPost[];
  /** How to answer from now on: every path, or only POSTs to `path`. */
  behave(behaviour: ReceiverBehaviour, path?: string): void;
  close(): Promise<void>;
}

export async function startLocalReceiver(): Promise<LocalReceiver> {
  let fallback: ReceiverBehaviour = { answer: "ok" };
  const byPath = new Map<string, ReceiverBehaviour>();
  const delivered: ReceivedPost[] = [];
  const requests: ReceivedPost[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const post: ReceivedPost = { path: req.url ?? "/", contentType: req.headers["content-type"], body: text === "" ? null : (JSON.parse(text) as unknown) };
      requests.push(post);
      const behaviour = byPath.get(post.path) ?? fallback;
      switch (behaviour.answer) {
        case "ok":
          delivered.push(post);
          res.writeHead(behaviour.status ?? 202).end();
          return;
        case "fail":
          res.writeHead(behaviour.status, { "content-type": "text/plain" }).end(behaviour.body ?? "receiver broke");
          return;
        case "throttle":
          res.writeHead(429, { "retry-after": behaviour.retryAfter, "content-type": "text/plain" }).end("rate_limited");
          return;
        case "hang":
          hanging.add(res); // never answered; released when the receiver closes
          return;
        case "flood": {
          hanging.add(res);
          res.writeHead(behaviour.status, { "content-type": "text/plain" });
          const chunk = Buffer.alloc(64 * 1024, "x");
          const pour = () => {
            while (!res.destroyed && res.write(chunk));
          };
          res.on("drain", pour);
          pour();
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    delivered,
    requests,
    behave: (next, path) => {
      if (path === undefined) {
        fallback = next;
        byPath.clear();
      } else {
        byPath.set(path, next);
      }
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

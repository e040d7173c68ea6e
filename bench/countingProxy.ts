/**
 * Counts the HTTP requests an engine makes to Table Storage: a pass-through proxy in front of the embedded Azurite.
 * The product's stores are pointed at it with an ordinary connection string; nothing in them is changed.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { azuriteConnectionString, type EmbeddedAzurite } from "../shared/storage/embeddedAzurite.js";

export interface CountingProxy {
  readonly connectionString: string;
  /** Requests passed on since start or the last reset. */
  readonly requests: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(azurite: EmbeddedAzurite): Promise<CountingProxy> {
  const target = new URL(azurite.endpoint);
  let requests = 0;
  const server: Server = createServer((incoming, outgoing) => {
    requests += 1;
    const forward = request({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forward.on("error", () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    connectionString: azuriteConnectionString(`http://127.0.0.1:${port}${target.pathname}`),
    get requests() {
      return requests;
    },
    reset() {
      requests = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
